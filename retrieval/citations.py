"""Citations are built from stored chunks, never trusted from a model: quotes are body slices."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from retrieval.models import Citation, RetrievedChunk


class _Published(Protocol):
    @property
    def source(self) -> str | None: ...
    @property
    def published_at(self) -> datetime | None: ...


def outlet_and_day(item: _Published) -> str:
    """``Outlet, 2024-05-17`` for an article or a citation (either part, or nothing, when unknown)."""
    day = item.published_at.date().isoformat() if item.published_at else None
    return ", ".join(b for b in (item.source, day) if b)


def marked(citation: Citation) -> str:
    """The quote on one line, then its marker: ``The council voted. [1]`` (an extractive answer's
    sentence)."""
    return f"{' '.join(citation.quote.split())} [{citation.n}]"


def cite(n: int, chunk: RetrievedChunk, lo: int, hi: int) -> Citation:
    """Cite ``chunk.text[lo:hi]``; the citation's offsets are in the article body."""
    if not 0 <= lo < hi <= len(chunk.text):
        raise ValueError(f"quote span {lo}:{hi} outside chunk {chunk.chunk_id}")
    return Citation(
        n=n,
        article_id=chunk.article_id,
        title=chunk.title,
        quote=chunk.text[lo:hi],
        start=chunk.start + lo,
        end=chunk.start + hi,
        chunk_id=chunk.chunk_id,
        url=chunk.url,
        published_at=chunk.published_at,
        source=chunk.source,
    )
