"""Finding articles in a namespace's library, and reading the limits an asker sets on a search.

Shared by the Discord commands (``/sources``, ``/forget``, ``/export``, ``/ask``'s options) and the
terminal.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any

from ingest.errors import ParseError
from ingest.parsing import parse_date
from retrieval.errors import NewsdeskError
from retrieval.models import Article
from retrieval.store import ArticleSummary


class InvalidLimit(NewsdeskError):
    """A date the asker set that cannot be read."""


def matching(
    articles: Sequence[ArticleSummary],
    query: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    added_by: str | None = None,
) -> list[ArticleSummary]:
    """Articles whose title, outlet, link or id contain every word of ``query`` (case-insensitive),
    published within ``since``..``until`` (inclusive; an undated article is outside any period),
    and stored by ``added_by`` (``discord:<user id>``, ``feed:<url>``) when given."""
    words = (query or "").casefold().split()
    out = []
    for a in articles:
        if added_by is not None and a.added_by != added_by:
            continue
        if since is not None or until is not None:
            day = a.published_at
            if day is None or (since is not None and day < since) or (until is not None and day > until):
                continue
        hay = " ".join(x for x in (a.title, a.source, a.url, a.id) if x).casefold()
        if all(w in hay for w in words):
            out.append(a)
    return out


def discord_origin(user_id: int) -> str:
    """What the articles a Discord member added record as their :attr:`Article.added_by` (shown
    by /article as a mention, and what /sources and /forget look for)."""
    return f"discord:{user_id}"


def selection_label(
    query: str | None, since: str | None, until: str | None, added_by: str | None = None
) -> str:
    """What a listing was limited to, as the user gave it: ``matching “tram”, published since
    2026-11``, ``added by editor``; empty for the whole library."""
    parts = [f"matching “{query.strip()}”"] if query and query.strip() else []
    if added_by:
        parts.append(f"added by {added_by}")
    since, until = (since or "").strip(), (until or "").strip()
    if since and until:
        parts.append(f"published from {since} to {until}")
    elif since or until:
        parts.append(f"published since {since}" if since else f"published by {until}")
    return ", ".join(parts)


def export_record(article: Article) -> dict[str, Any]:
    """An article as one object of the ingest format; ``id`` keeps its id on the way back."""
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "source": article.source,
        "body": article.body,
    }


def export_lines(articles: Sequence[Article]) -> list[str]:
    """Articles as JSON lines of the ingest format."""
    return [json.dumps(export_record(a), ensure_ascii=False) + "\n" for a in articles]


def published_day(article: ArticleSummary | Article) -> str:
    """``2024-05-17``, or ``undated`` when the article carries no date."""
    return article.published_at.date().isoformat() if article.published_at else "undated"


_DAY_LIKE = re.compile(r"\d{4}-\d\d-\d\d")
_YEAR_OR_MONTH = re.compile(r"((?:19|20)\d\d)(?:-(0[1-9]|1[0-2]))?")


def parse_day(value: str | None, label: str, *, end_of_day: bool = False) -> datetime | None:
    """A date as the start of that period (UTC), or its last second with ``end_of_day``.

    ``2024-03-01`` is that day, ``2024-03`` that month and ``2024`` that year; a full timestamp
    is taken as is; ``None`` for nothing.
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    if period := _YEAR_OR_MONTH.fullmatch(text):
        year, month = int(period.group(1)), int(period.group(2) or 0)
        if not end_of_day:
            return datetime(year, month or 1, 1, tzinfo=UTC)
        last_month = month or 12
        last_day = calendar.monthrange(year, last_month)[1]
        return datetime(year, last_month, last_day, 23, 59, 59, tzinfo=UTC)
    try:
        moment = parse_date(text)
    except ParseError as exc:
        if _DAY_LIKE.match(text):  # shaped like a day, but no such day or time
            raise InvalidLimit(f"{label}: {exc}") from None
        raise InvalidLimit(
            f"{label}: unreadable date {text!r} (expected YYYY-MM-DD, YYYY-MM or YYYY)"
        ) from None
    if moment is not None and end_of_day and len(text) == 10:
        moment = datetime.combine(moment.date(), time(23, 59, 59), tzinfo=UTC)
    return moment
