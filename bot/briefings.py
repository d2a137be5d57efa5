"""Daily briefings: which server wants its newest stories posted, where, and at what hour (UTC).

Kept in SQLite under the data directory, like the feed registry: a restart keeps the schedule and
the day last posted, so a briefing is posted once a day however often the bot restarts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS briefings (
    guild_id INTEGER PRIMARY KEY, channel_id INTEGER NOT NULL, hour INTEGER NOT NULL, last_posted TEXT
);
"""


@dataclass(frozen=True, slots=True)
class Briefing:
    """One server's daily briefing: posted in ``channel_id`` once a day from ``hour`` (UTC)."""

    guild_id: int
    channel_id: int
    hour: int
    last_posted: date | None = None


class Briefings:
    """The servers' briefing schedules, in one SQLite file.

    Args:
        path: The database file (created with its folder on first use).
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=15)) as conn:
            conn.executescript(_SCHEMA)
            with conn:
                yield conn

    def set(self, guild_id: int, channel_id: int, hour: int, now: datetime) -> Briefing:
        """Post ``guild_id``'s briefing in ``channel_id`` daily from ``hour``. The first comes at the
        next such hour: today's has passed when ``now`` is later (a new schedule posts nothing at
        once, a changed one keeps the day it last posted)."""
        if not 0 <= hour <= 23:
            raise ValueError(f"hour {hour} is not 0-23")
        before = self.get(guild_id)
        last = before.last_posted if before else None
        if now.hour >= hour and (last is None or last < now.date()):
            last = now.date()
        briefing = Briefing(guild_id, channel_id, hour, last)
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO briefings (guild_id, channel_id, hour, last_posted)"
                " VALUES (?, ?, ?, ?)",
                (guild_id, channel_id, hour, last.isoformat() if last else None),
            )
        return briefing

    def get(self, guild_id: int) -> Briefing | None:
        with self._db() as db:
            row = db.execute(
                "SELECT guild_id, channel_id, hour, last_posted FROM briefings WHERE guild_id = ?",
                (guild_id,),
            ).fetchone()
        return _briefing(row) if row else None

    def remove(self, guild_id: int) -> Briefing | None:
        """Stop ``guild_id``'s briefing; the one removed, if there was one."""
        found = self.get(guild_id)
        with self._db() as db:
            db.execute("DELETE FROM briefings WHERE guild_id = ?", (guild_id,))
        return found

    def due(self, now: datetime) -> list[Briefing]:
        """The briefings whose hour has come today (``now``, UTC) and that have not posted today."""
        with self._db() as db:
            rows = db.execute(
                "SELECT guild_id, channel_id, hour, last_posted FROM briefings"
                " WHERE hour <= ? AND (last_posted IS NULL OR last_posted < ?) ORDER BY guild_id",
                (now.hour, now.date().isoformat()),
            ).fetchall()
        return [_briefing(row) for row in rows]

    def posted(self, guild_id: int, day: date) -> None:
        """Note that ``guild_id``'s briefing for ``day`` is done (posted, or nothing to post)."""
        with self._db() as db:
            db.execute("UPDATE briefings SET last_posted = ? WHERE guild_id = ?", (day.isoformat(), guild_id))


def _briefing(row: tuple[int, int, int, str | None]) -> Briefing:
    guild_id, channel_id, hour, last = row
    return Briefing(int(guild_id), int(channel_id), int(hour), date.fromisoformat(last) if last else None)
