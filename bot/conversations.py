"""Which question each of the bot's answers continues, kept on disk so a reply resolves after a
restart; shared by the cogs that answer (``bot.conversations``)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

from bot.followups import Asked
from retrieval.sqlite_file import SqliteFile

# Answer message or thread id -> the question it continues and the articles its answer cited.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS answered (
    key INTEGER PRIMARY KEY, question TEXT NOT NULL, at REAL NOT NULL, sources TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS answered_at ON answered (at);
"""


def _add_sources_column(conn: sqlite3.Connection) -> None:
    """A file from before answers remembered their sources gains the column."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(answered)")}
    if "sources" not in columns:
        try:
            conn.execute("ALTER TABLE answered ADD COLUMN sources TEXT NOT NULL DEFAULT '[]'")
        except sqlite3.OperationalError:  # another process added it in between
            if "sources" not in {row[1] for row in conn.execute("PRAGMA table_info(answered)")}:
                raise


class Conversations:
    """What each of the bot's answer messages, and each thread it answered in, continues: the
    question and the articles the answer cited, by number (for "summarize [2]").

    Kept in SQLite under the data directory so a reply still resolves after a restart, and
    bounded to the newest ``capacity`` entries. Keys are message or thread ids: a thread started
    from an answer takes that message's id, so it continues the answer's question for free.
    The newest entries are also held in memory, noted the moment an answer is sent, so a quick
    follow-up never races the disk write.
    """

    def __init__(self, path: Path, capacity: int = 5000, recent: int = 500) -> None:
        self.path = path
        self.capacity = capacity
        self._recent: OrderedDict[int, Asked] = OrderedDict()
        self._recent_capacity = min(recent, capacity)
        self._db = SqliteFile(path, _SCHEMA, _add_sources_column, timeout=5).transaction

    def note(self, keys: Iterable[int], asked: Asked) -> None:
        """Remember in memory only (cheap: safe on the event loop)."""
        for key in keys:
            self._recent[key] = asked
            self._recent.move_to_end(key)
        while len(self._recent) > self._recent_capacity:
            self._recent.popitem(last=False)

    def remember(self, keys: Iterable[int], asked: Asked) -> None:
        """Remember on disk (blocking: run it off the event loop, after :meth:`note`)."""
        now = time.time()
        sources = json.dumps(list(asked.sources))
        rows = [(key, asked.query, now, sources) for key in keys]
        with self._db() as db:
            db.executemany(
                "INSERT OR REPLACE INTO answered (key, question, at, sources) VALUES (?, ?, ?, ?)", rows
            )
            db.execute(
                "DELETE FROM answered WHERE key IN"
                " (SELECT key FROM answered ORDER BY at DESC, key DESC LIMIT -1 OFFSET ?)",
                (self.capacity,),
            )

    def asked_for(self, *keys: int | None) -> Asked | None:
        """What the first of ``keys`` that has an entry continues."""
        wanted = [key for key in keys if key is not None]
        if wanted and (known := self._recent.get(wanted[0])) is not None:
            return known
        with self._db() as db:
            for key in wanted:
                if (known := self._recent.get(key)) is not None:
                    return known
                row = db.execute("SELECT question, sources FROM answered WHERE key = ?", (key,)).fetchone()
                if row is not None:
                    return Asked(str(row[0]), _sources(row[1]))
        return None


def _sources(stored: object) -> tuple[str, ...]:
    try:
        found = json.loads(str(stored))
    except ValueError:
        return ()
    return tuple(str(s) for s in found) if isinstance(found, list) else ()
