"""Answer parts built the same way by the rendering tests."""

from __future__ import annotations

from datetime import UTC, datetime

from retrieval.models import Citation, RetrievedChunk


def citation(n: int, quote: str = "The council voted seven to two.", title: str = "Council vote") -> Citation:
    """Citation ``n`` of article ``a{n}`` (link ``https://news.example/{n}``), from the Halden Courier."""
    return Citation(
        n=n,
        article_id=f"a{n}",
        title=title,
        quote=quote,
        start=0,
        end=len(quote),
        chunk_id=f"c{n}",
        url=f"https://news.example/{n}",
        source="Halden Courier",
        published_at=datetime(2025, 2, 11, tzinfo=UTC),
    )


def passage(n: int, article: int | None = None, title: str = "Council vote") -> RetrievedChunk:
    """Retrieved chunk ``c{n}`` of article ``a{article or n}``, with the metadata of :func:`citation`."""
    text = "The council met on Tuesday."
    return RetrievedChunk(
        f"c{n}",
        f"a{article or n}",
        title,
        text,
        0,
        len(text),
        1.0 / n,
        url=f"https://news.example/{article or n}",
        source="Halden Courier",
        published_at=datetime(2025, 2, 11, tzinfo=UTC),
    )
