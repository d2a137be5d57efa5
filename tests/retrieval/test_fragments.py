"""Links that open an article at the quoted words (URL text fragments)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from retrieval.fragments import quote_link, web_link


def test_a_short_quote_is_matched_whole_without_its_outer_punctuation():
    link = quote_link("https://news.example/vote", "“The council voted 7-2, a win & a loss.”")
    assert (
        link
        == "https://news.example/vote#:~:text=The%20council%20voted%207%2D2%2C%20a%20win%20%26%20a%20loss"
    )


def test_a_long_quote_is_matched_by_its_first_and_last_words():
    quote = (
        "French President Emmanuel Macron has appointed Edouard Philippe, a relatively unknown "
        "46-year-old lawmaker, as prime minister."
    )
    link = quote_link("https://news.example/pm", quote)
    assert link is not None
    start, end = link.split("#:~:text=", 1)[1].split(",")
    assert unquote(start) == "French President Emmanuel Macron"
    assert unquote(end) == "lawmaker, as prime minister"
    assert "-" not in end and "," not in start + end  # directive syntax is always escaped


def test_a_link_that_already_has_a_fragment_gets_the_directive_after_it():
    assert quote_link("https://news.example/a#live", "Ferries resume.") == (
        "https://news.example/a#live:~:text=Ferries%20resume"
    )


@pytest.mark.parametrize("url", [None, "", "file:///etc/passwd", "javascript:alert(1)", "ftp://x/y"])
def test_no_link_without_an_http_url(url):
    assert quote_link(url, "Ferries resume.") is None


def test_a_quote_of_punctuation_only_links_to_the_article():
    assert quote_link("https://news.example/a", " … ”") == "https://news.example/a"


@pytest.mark.parametrize(
    "url",
    [
        "https://x.example/a> [click](https://elsewhere.example)",
        "https://x.example/a b",
        'https://x.example/"onmouseover',
        "https://x.example/a`b",
        "https://x.example/\x1b[31mred",
        "javascript:alert(1)",
    ],
)
def test_a_url_that_could_smuggle_markup_is_not_a_link(url):
    assert web_link(url) is None
    assert quote_link(url, "Ferries resume.") is None


def test_ordinary_links_are_links():
    for url in (
        "https://news.example/a?b=1&c=2#top",
        "http://x.example/wiki/Foo_(bar)",
        "HTTPS://X.EXAMPLE/",
    ):
        assert web_link(url) == url
