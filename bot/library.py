"""Finding articles in a namespace's library: shared by ``/sources``, ``/forget`` and ``newsdesk sources``."""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.store import ArticleSummary


def matching(articles: Sequence[ArticleSummary], query: str) -> list[ArticleSummary]:
    """Articles whose title, outlet, link or id contain every word of ``query`` (case-insensitive)."""
    words = query.casefold().split()
    out = []
    for a in articles:
        hay = " ".join(x for x in (a.title, a.source, a.url, a.id) if x).casefold()
        if all(w in hay for w in words):
            out.append(a)
    return out


def published_day(article: ArticleSummary) -> str:
    """``2024-05-17``, or ``undated`` when the article carries no date."""
    return article.published_at.date().isoformat() if article.published_at else "undated"
