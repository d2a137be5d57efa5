"""Answer parts built the same way by the rendering tests."""

from __future__ import annotations

from datetime import UTC, datetime

from retrieval.models import Citation


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
