"""Article extraction from HTML pages, and refusal of pages that are not articles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.html import NotAnArticle, article_from_html, html_to_text
from tests.ingest.pages import LOGIN_WALL, SCRIPTS_ONLY, article_page


def test_title_date_text_and_canonical_url_are_extracted() -> None:
    page = article_page(canonical="https://www.planet.example/politics/minister-resigns?utm_source=x")
    article = article_from_html(page.encode(), "https://planet.example/p/123")
    assert article.title == "Minister resigns over budget row"
    assert article.published_at == datetime(2024, 5, 17, 20, 35, 5, tzinfo=UTC)
    assert article.url == "https://planet.example/politics/minister-resigns"
    assert article.source == "planet.example"
    assert article.body.startswith("The finance minister resigned on Friday")
    assert "tracking" not in article.body and "Copyright" not in article.body


def test_canonical_url_on_another_host_is_ignored() -> None:
    """A page must not claim another site's story id and so overwrite it in the store."""
    page = article_page(canonical="https://victim.example/real-story")
    article = article_from_html(page, "https://attacker.example/fake")
    assert article.url == "https://attacker.example/fake"


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (article_page(body="<p>Short.</p>"), "not an article"),
        (LOGIN_WALL, "login or pay wall"),
        (SCRIPTS_ONLY, "not an article"),
        ("", "empty page"),
        ("<html><body></body></html>", "not an article"),
    ],
)
def test_pages_that_are_not_articles_are_refused_with_a_reason(page: str, reason: str) -> None:
    with pytest.raises(NotAnArticle, match=reason):
        article_from_html(page, "https://planet.example/x")


def test_paywalled_teaser_is_refused() -> None:
    page = article_page().replace(
        "</head>", '<script type="application/ld+json">{"isAccessibleForFree": "False"}</script></head>'
    )
    with pytest.raises(NotAnArticle, match="pay wall"):
        article_from_html(page, "https://planet.example/x")


def test_html_fragment_becomes_plain_text() -> None:
    assert html_to_text("<p>The <b>valley</b> flooded.</p><script>x()</script>") == "The valley flooded."
    assert html_to_text("plain words") == "plain words"
    assert html_to_text("") == ""
