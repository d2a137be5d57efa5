"""The period a question names ("in March 2024", "last month", "in the past 3 days"), if any.

Dates are read relative to the moment of asking. Only phrases that clearly name a period of
publication count: "the 2024 Olympics" names an event, not when it was reported, so a bare year
counts only after "in", "during" or "since".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_UNITS = {"day": 1, "week": 7, "month": 31, "year": 366}
# Reporting on a month or a year goes on after it ends (follow-ups, monthly and annual reviews):
# a window for a named month or year stays open this much longer.
MONTH_LAG = timedelta(days=14)
YEAR_LAG = timedelta(days=62)

_MONTH_YEAR = re.compile(rf"\b(?:in|during|since|from|of)\s+({_MONTH})\.?,?\s+((?:19|20)\d\d)\b", re.I)
# Without a year, only a capitalised month counts: "in march" or "in may" is too often not a date.
_MONTH_CAP = "|".join(sorted((m.capitalize() for m in _MONTHS), key=len, reverse=True))
_MONTH_ONLY = re.compile(rf"\b(?:[Ii]n|[Dd]uring|[Ss]ince)\s+({_MONTH_CAP})\b(?!\s*\d)")
_YEAR = re.compile(r"\b(in|during|since)\s+((?:19|20)\d\d)\b(?!\s*[-/])", re.I)
_PAST = re.compile(
    r"\b(?:in|over|during)\s+the\s+(?:past|last)\s+(\d{1,3})\s+(day|week|month|year)s?\b", re.I
)
# Not "USA TODAY"; "this week" and "last week" are left to the retriever's recency boost, which
# already favours the last 14 days without hiding an older article that is the only source.
_RECENT = re.compile(r"\b(?:this|last|past) week\b|\brecently\b|\bthese days\b", re.I)
_RELATIVE = re.compile(r"\b([Tt]oday|[Yy]esterday|(?:[Tt]his|[Ll]ast|[Pp]ast)\s+(?:month|year))\b")


@dataclass(frozen=True, slots=True)
class Window:
    """Articles published from ``start`` up to (not including) ``end``; ``phrase`` names it."""

    start: datetime
    end: datetime
    phrase: str


def published_bounds(moment: datetime, window: Window | None) -> tuple[int | None, int]:
    """``(min_ts, max_ts)``: the ``published_ts`` range of articles usable at ``moment`` (none
    after it) and, with a ``window``, published in it; undated articles (0) lie outside any window."""
    max_ts = int(moment.timestamp())
    if window is None:
        return None, max_ts
    return max(int(window.start.timestamp()), 1), min(max_ts, int(window.end.timestamp()) - 1)


def time_window(question: str, as_of: datetime | None = None) -> Window | None:
    """The publication period ``question`` asks about, as of ``as_of`` (now when ``None``).

    A question that is about recent reporting ("this week", "recently") and names a year or a
    month names the period of the event ("what did they earn in 2023?"), not of the articles: no
    window then.
    """
    now = (as_of or datetime.now(UTC)).astimezone(UTC)
    if _RECENT.search(question):
        return None
    if m := _MONTH_YEAR.search(question):
        start = datetime(int(m.group(2)), _MONTHS[m.group(1).lower()], 1, tzinfo=UTC)
        return _since(start, now, m) if m.group(0).lower().startswith(("since", "from")) else _month(start, m)
    if m := _MONTH_ONLY.search(question):
        month = _MONTHS[m.group(1).lower()]
        year = now.year if month <= now.month else now.year - 1  # the latest such month
        start = datetime(year, month, 1, tzinfo=UTC)
        return _since(start, now, m) if m.group(0).lower().startswith("since") else _month(start, m)
    if m := _YEAR.search(question):
        start = datetime(int(m.group(2)), 1, 1, tzinfo=UTC)
        if m.group(1).lower() == "since":
            return _since(start, now, m)
        return Window(start, datetime(start.year + 1, 1, 1, tzinfo=UTC) + YEAR_LAG, m.group(0))
    if m := _PAST.search(question):
        days = int(m.group(1)) * _UNITS[m.group(2).lower()]
        return Window(now - timedelta(days=days), now, m.group(0))
    if m := _RELATIVE.search(question):
        return _relative(m.group(1).split(), now, m.group(0))
    return None


def _month(start: datetime, m: re.Match[str]) -> Window:
    end = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)
    return Window(start, end + MONTH_LAG, m.group(0))


def _since(start: datetime, now: datetime, m: re.Match[str]) -> Window:
    return Window(start, max(now, start), m.group(0))


def _relative(words: list[str], now: datetime, phrase: str) -> Window:
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if words[0].lower() == "today":
        return Window(day, now, phrase)
    if words[0].lower() == "yesterday":
        return Window(day - timedelta(days=1), day, phrase)
    which, unit = (w.lower() for w in words)
    if unit == "month":
        first = day.replace(day=1)
        if which == "this":
            return Window(first, now, phrase)
        if which == "past":
            return Window(now - timedelta(days=31), now, phrase)
        previous = (first - timedelta(days=1)).replace(day=1)
        return Window(previous, first + MONTH_LAG, phrase)
    first = day.replace(month=1, day=1)
    if which == "this":
        return Window(first, now, phrase)
    if which == "past":
        return Window(now - timedelta(days=366), now, phrase)
    return Window(first.replace(year=first.year - 1), first + YEAR_LAG, phrase)
