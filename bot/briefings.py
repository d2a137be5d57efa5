"""Daily briefings: which server wants its newest stories posted, where, at what hour, in which
time zone.

Kept in SQLite under the data directory, like the feed registry: a restart keeps the schedule and
the day last posted, so a briefing is posted once a day however often the bot restarts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from retrieval.errors import NewsdeskError
from retrieval.sqlite_file import SqliteFile

_SCHEMA = """
CREATE TABLE IF NOT EXISTS briefings (
    guild_id INTEGER PRIMARY KEY, channel_id INTEGER NOT NULL, hour INTEGER NOT NULL, last_posted TEXT,
    timezone TEXT NOT NULL DEFAULT 'UTC'
);
"""
_SELECT = "SELECT guild_id, channel_id, hour, last_posted, timezone FROM briefings"


class UnknownTimeZone(NewsdeskError):
    """A time zone name that is not in the IANA database."""


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA time zone name, sorted."""
    return tuple(sorted(available_timezones()))


def time_zone(name: str) -> str:
    """The IANA name of the time zone called ``name`` ("europe/paris" gives "Europe/Paris"),
    else an error naming it."""
    wanted = name.strip()
    for known in (wanted, *(z for z in zone_names() if z.lower() == wanted.lower())):
        try:
            ZoneInfo(known)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return known
    raise UnknownTimeZone(
        f"unknown time zone {name!r}: give a name like Europe/Paris, America/New_York or UTC"
    )


@dataclass(frozen=True, slots=True)
class Briefing:
    """One server's daily briefing: posted in ``channel_id`` once a day from ``hour`` in
    ``timezone``; ``last_posted`` is that zone's date of the last one."""

    guild_id: int
    channel_id: int
    hour: int
    last_posted: date | None = None
    timezone: str = "UTC"

    def local(self, now: datetime) -> datetime:
        """``now`` (aware) in the briefing's time zone."""
        return now.astimezone(ZoneInfo(self.timezone))

    def due(self, now: datetime) -> bool:
        """Whether today's briefing, in its time zone, is due at ``now`` and not posted yet."""
        local = self.local(now)
        return local.hour >= self.hour and (self.last_posted is None or self.last_posted < local.date())


class Briefings:
    """The servers' briefing schedules, in one SQLite file.

    Args:
        path: The database file (created with its folder on first use).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = SqliteFile(path, _SCHEMA).transaction

    def set(
        self, guild_id: int, channel_id: int, hour: int, now: datetime, timezone: str = "UTC"
    ) -> Briefing:
        """Post ``guild_id``'s briefing in ``channel_id`` daily from ``hour`` in ``timezone``. The
        first comes at the next such hour: today's has passed when ``now`` is later there (a new
        schedule posts nothing at once; a changed one keeps the day it last posted).

        Raises:
            ValueError: ``hour`` is not 0-23.
            UnknownTimeZone: ``timezone`` is not an IANA time zone name.
        """
        if not 0 <= hour <= 23:
            raise ValueError(f"hour {hour} is not 0-23")
        before = self.get(guild_id)
        briefing = Briefing(
            guild_id, channel_id, hour, before.last_posted if before else None, time_zone(timezone)
        )
        if briefing.due(now):  # today's hour has passed: the first is tomorrow
            briefing = replace(briefing, last_posted=briefing.local(now).date())
        last = briefing.last_posted.isoformat() if briefing.last_posted else None
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO briefings (guild_id, channel_id, hour, last_posted, timezone)"
                " VALUES (?, ?, ?, ?, ?)",
                (guild_id, channel_id, hour, last, briefing.timezone),
            )
        return briefing

    def get(self, guild_id: int) -> Briefing | None:
        with self._db() as db:
            row = db.execute(_SELECT + " WHERE guild_id = ?", (guild_id,)).fetchone()
        return _briefing(row) if row else None

    def remove(self, guild_id: int) -> Briefing | None:
        """Stop ``guild_id``'s briefing; the one removed, if there was one."""
        found = self.get(guild_id)
        with self._db() as db:
            db.execute("DELETE FROM briefings WHERE guild_id = ?", (guild_id,))
        return found

    def due(self, now: datetime) -> list[Briefing]:
        """The briefings whose hour has come today in their time zone, not posted yet today."""
        with self._db() as db:
            rows = db.execute(_SELECT + " ORDER BY guild_id").fetchall()
        return [b for b in map(_briefing, rows) if b.due(now)]

    def release(self, briefing: Briefing, day: date) -> None:
        """Give back the claim on ``day`` that :meth:`claim` took for ``briefing`` (as it was when
        found due), so the next check posts it: the post failed for a reason that may pass."""
        last = briefing.last_posted.isoformat() if briefing.last_posted else None
        with self._db() as db:
            db.execute(
                "UPDATE briefings SET last_posted = ? WHERE guild_id = ? AND last_posted = ?",
                (last, briefing.guild_id, day.isoformat()),
            )

    def claim(self, guild_id: int, day: date) -> bool:
        """Take ``guild_id``'s briefing for ``day`` (its zone's date) to post it: ``False`` when it
        was taken already (by another bot process sharing this file), so a day is posted at most
        once."""
        with self._db() as db:
            taken = db.execute(
                "UPDATE briefings SET last_posted = ? WHERE guild_id = ?"
                " AND (last_posted IS NULL OR last_posted < ?)",
                (day.isoformat(), guild_id, day.isoformat()),
            )
        return taken.rowcount == 1


def _briefing(row: tuple[int, int, int, str | None, str]) -> Briefing:
    guild_id, channel_id, hour, last, zone = row
    day = date.fromisoformat(last) if last else None
    return Briefing(int(guild_id), int(channel_id), int(hour), day, str(zone))
