"""Finding articles in a namespace's library, and reading the limits an asker sets on a search.

Shared by the Discord commands (``/sources``, ``/forget``, ``/ask``'s options) and the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time

from ingest.errors import ParseError
from ingest.parsing import parse_date
from retrieval.errors import NewsdeskError
from retrieval.store import ArticleSummary


class InvalidLimit(NewsdeskError):
    """A date the asker set that cannot be read."""


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


def parse_day(value: str | None, label: str, *, end_of_day: bool = False) -> datetime | None:
    """``2024-03-01`` as the start of that day (UTC), or its last second with ``end_of_day``;
    a full timestamp as is; ``None`` for nothing."""
    if not value or not value.strip():
        return None
    try:
        moment = parse_date(value)
    except ParseError as exc:
        raise InvalidLimit(f"{label}: {exc}") from None
    if moment is not None and end_of_day and len(value.strip()) == 10:
        moment = datetime.combine(moment.date(), time(23, 59, 59), tzinfo=UTC)
    return moment
