"""Extract a news article from an HTML page with trafilatura, refusing pages that are not articles."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from ingest.errors import IngestError, ParseError
from ingest.parsing import make_article, parse_date
from retrieval.models import Article

log = logging.getLogger(__name__)

MIN_ARTICLE_CHARS = 250
_DATE_PARAMS = {"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S"}
_WALL_TEXT = re.compile(
    r"\b(?:(?:sign|log)[ -]?in|subscribe|register|create an? (?:free )?account)\b[^.\n]{0,40}"
    r"\b(?:to (?:continue|read|keep reading|access|view)|for (?:full )?access)\b"
    r"|\balready a (?:subscriber|member)\b"
    r"|\bthis (?:article|content|story) is (?:for|only available to) subscribers\b",
    re.I,
)
_PAYWALL_LD = re.compile(r'"isAccessibleForFree"\s*:\s*"?false', re.I)
_PASSWORD_INPUT = re.compile(rb"<input[^>]+type\s*=\s*[\"']?password", re.I)


class NotAnArticle(ParseError):
    """The page has no article: too little text, a login or pay wall, or nothing extractable."""


def article_from_html(
    html: bytes | str,
    url: str | None = None,
    *,
    min_chars: int = MIN_ARTICLE_CHARS,
    label: str | None = None,
) -> Article:
    """The article of an HTML page: title, date, main text and canonical URL (author is logged only).

    The page's canonical URL is trusted only on the host the page was fetched from, so a page
    cannot claim (and overwrite) another site's story.

    Args:
        html: The page, as fetched (bytes: trafilatura detects the encoding) or text.
        url: Where it was fetched from (final URL after redirects), if it came from the web.
        min_chars: Least main-text length for the page to count as an article.
        label: Names the page in error messages (default: the URL).

    Raises:
        NotAnArticle: With the reason (too little text, login wall, no text at all).
        ParseError: The page could not be parsed.
    """
    raw = html.encode("utf-8", "replace") if isinstance(html, str) else html
    label = label or url or "page"
    if not raw.strip():
        raise NotAnArticle(f"{label}: empty page")
    doc = _extract(raw, url, label)
    text = _main_text(doc)
    title = " ".join(str(getattr(doc, "title", "") or "").split()) if doc is not None else ""
    if title and text.split("\n", 1)[0].strip() == title:
        text = text.split("\n", 1)[1].strip() if "\n" in text else ""
    walled = _looks_walled(raw, text)
    if len(text) < min_chars:
        if walled:
            raise NotAnArticle(f"{label}: behind a login or pay wall (only {len(text)} characters visible)")
        raise NotAnArticle(
            f"{label}: not an article (only {len(text)} characters of main text; need {min_chars})"
        )
    if walled and len(text) < 4 * min_chars:
        raise NotAnArticle(f"{label}: behind a login or pay wall (only a teaser is visible)")
    assert doc is not None  # noqa: S101 -- text is non-empty only when trafilatura found a document
    try:
        published = parse_date(doc.date) if doc.date else None
    except ParseError:
        published = None
    canonical = _trusted_canonical(doc.url, url)
    source = (urlsplit(canonical).hostname or "").removeprefix("www.") if canonical else None
    # The Article model has no author field; the outlet stays the source so source filters work.
    log.debug("extracted %s author=%r date=%r", label, doc.author, doc.date)
    return make_article(title, text, url=canonical, published_at=published, source=source)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (a feed entry's content), paragraphs kept; '' if none."""
    import trafilatura

    if not html.strip():
        return ""
    if "<" not in html:
        return html.strip()
    try:
        text = trafilatura.extract(
            f"<html><body><article>{html}</article></body></html>",
            include_comments=False,
            include_tables=False,
            favor_recall=True,
        )
    except Exception:  # trafilatura/lxml failing on odd markup must not stop a feed
        log.debug("html_to_text failed", exc_info=True)
        return ""
    return (text or "").strip()


def _extract(raw: bytes, url: str | None, label: str) -> Any:
    import trafilatura  # imported on first use: it takes a moment and files never need it

    try:
        return trafilatura.bare_extraction(
            raw,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
            date_extraction_params=_DATE_PARAMS,
        )
    except IngestError:
        raise
    except Exception as exc:  # lxml and trafilatura raise many types on hostile markup
        log.debug("trafilatura failed on %s", label, exc_info=True)
        raise ParseError(f"{label}: unreadable HTML ({type(exc).__name__})") from None


def _main_text(doc: Any) -> str:
    if doc is None:
        return ""
    text = str(getattr(doc, "text", "") or "")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def _looks_walled(raw: bytes, text: str) -> bool:
    head = raw[:300_000]
    if _PASSWORD_INPUT.search(head) or _PAYWALL_LD.search(head.decode("utf-8", "replace")):
        return True
    return bool(_WALL_TEXT.search(text))


def _trusted_canonical(canonical: str | None, fetched: str | None) -> str | None:
    if not canonical or not canonical.lower().startswith(("http://", "https://")):
        return fetched
    if fetched is None:
        return canonical
    try:
        claimed = (urlsplit(canonical).hostname or "").removeprefix("www.")
        actual = (urlsplit(fetched).hostname or "").removeprefix("www.")
    except ValueError:
        return fetched
    return canonical if claimed and claimed == actual else fetched
