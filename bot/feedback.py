"""Members' 👍 and 👎 on the bot's answers, kept so a server's managers (and ``newsdesk feedback``
on the bot's machine) can read which questions it answers badly.

A vote is kept per answer message, member and emoji, so taking a reaction back takes the vote
back; the question is the one the answer searched for (a follow-up's with the question before it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from retrieval.sqlite_file import SqliteFile

UP, DOWN = "👍", "👎"
VOTES = {UP: 1, DOWN: -1}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS votes (
    message_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    vote INTEGER NOT NULL,
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    question TEXT NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (message_id, user_id, vote)
);
CREATE INDEX IF NOT EXISTS votes_guild ON votes (guild_id);
"""


@dataclass(frozen=True, slots=True)
class Rated:
    """One answer's votes: the question it answered, where it is, its 👍 and 👎, the last vote's time."""

    question: str
    guild_id: int
    channel_id: int
    message_id: int
    up: int
    down: int
    last: datetime

    @property
    def link(self) -> str:
        """The answer in Discord (a link that opens the message)."""
        return f"https://discord.com/channels/{self.guild_id}/{self.channel_id}/{self.message_id}"


class Feedback:
    """The votes, in ``feedback.sqlite3`` under the data directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = SqliteFile(path, _SCHEMA).transaction

    @classmethod
    def in_folder(cls, data_dir: Path) -> Feedback:
        """The votes of the bot that keeps its data in ``data_dir``."""
        return cls(data_dir / "feedback.sqlite3")

    def vote(
        self, message_id: int, user_id: int, vote: int, guild_id: int, channel_id: int, question: str
    ) -> None:
        """Count ``user_id``'s ``vote`` (1 or -1) on the answer ``message_id`` (once per emoji)."""
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO votes VALUES (?, ?, ?, ?, ?, ?, ?)",
                (message_id, user_id, vote, guild_id, channel_id, question, time.time()),
            )

    def unvote(self, message_id: int, user_id: int, vote: int) -> None:
        """Take the vote back (the member removed the reaction)."""
        with self._db() as db:
            db.execute(
                "DELETE FROM votes WHERE message_id = ? AND user_id = ? AND vote = ?",
                (message_id, user_id, vote),
            )

    def rated(self, guild_id: int | None = None, limit: int | None = None) -> list[Rated]:
        """Rated answers (of one server, or all), the most 👎 first, then the fewest 👍, newest first."""
        if not self.path.exists():  # nobody voted yet: no file to make
            return []
        with self._db() as db:
            rows = db.execute(
                "SELECT max(question), guild_id, channel_id, message_id,"
                " sum(vote = 1), sum(vote = -1), max(at)"
                " FROM votes WHERE ?1 IS NULL OR guild_id = ?1 GROUP BY message_id"
                " ORDER BY sum(vote = -1) DESC, sum(vote = 1) ASC, max(at) DESC"
                " LIMIT ?2",
                (guild_id, -1 if limit is None else limit),
            ).fetchall()
        return [
            Rated(str(q), int(g), int(c), int(m), int(up), int(down), datetime.fromtimestamp(at, UTC))
            for q, g, c, m, up, down, at in rows
        ]
