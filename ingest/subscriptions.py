"""The feed registry: subscribed feeds per namespace and the entries already ingested, in SQLite.

SQLite (not a JSON file) because the terminal and the bot may poll at the same time: each call
is one short transaction, so two processes never overwrite each other's state.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingest.errors import IngestError
from retrieval.sqlite_file import SqliteFile
from retrieval.store import collection_name

# A failing feed waits interval * 2**failures, but never longer than this.
MAX_BACKOFF = timedelta(hours=24)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    namespace TEXT NOT NULL, url TEXT NOT NULL, title TEXT, added_at REAL NOT NULL,
    next_poll_at REAL NOT NULL, last_polled_at REAL, failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT, PRIMARY KEY (namespace, url));
CREATE TABLE IF NOT EXISTS seen (
    namespace TEXT NOT NULL, entry_key TEXT NOT NULL, feed_url TEXT NOT NULL, seen_at REAL NOT NULL,
    PRIMARY KEY (namespace, entry_key));
"""
# Columns added after the first release: (name, type); an older database gains them on first use.
_ADDED_COLUMNS = (("channel_id", "INTEGER"),)


_SELECT = (
    "SELECT namespace, url, title, added_at, next_poll_at, last_polled_at, failures, last_error, channel_id"
    " FROM feeds"
)


class FeedNotFound(IngestError):
    """No such feed subscription in this namespace."""


@dataclass(frozen=True, slots=True)
class Feed:
    """One subscription: a feed URL in a namespace, with its polling state."""

    namespace: str
    url: str
    title: str | None
    added_at: datetime
    next_poll_at: datetime
    last_polled_at: datetime | None = None
    failures: int = 0
    last_error: str | None = None
    channel_id: int | None = None  # where the bot announces new entries (a Discord channel id)


class FeedRegistry:
    """Subscriptions and seen entries, persisted in one SQLite file.

    Args:
        path: The database file (created with its folder on first use).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = SqliteFile(path, _SCHEMA, _add_columns).transaction

    def add(self, url: str, namespace: str = "default", title: str | None = None) -> Feed:
        """Subscribe ``namespace`` to ``url`` (due at once); adding it again keeps its state."""
        collection_name(namespace)  # validates the namespace
        now = _ts(datetime.now(UTC))
        with self._db() as db:
            db.execute(
                "INSERT OR IGNORE INTO feeds (namespace, url, title, added_at, next_poll_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (namespace, url, title, now, now),
            )
        return self.get(url, namespace)

    def get(self, url: str, namespace: str = "default") -> Feed:
        """One subscription.

        Raises:
            FeedNotFound: ``namespace`` is not subscribed to ``url``.
        """
        with self._db() as db:
            row = db.execute(_SELECT + " WHERE namespace = ? AND url = ?", (namespace, url)).fetchone()
        if row is None:
            raise FeedNotFound(f"no feed {url} in {namespace}")
        return _feed(row)

    def set_channel(self, url: str, namespace: str, channel_id: int | None) -> Feed:
        """Choose where new entries of a subscription are announced (``None``: the default place).

        Raises:
            FeedNotFound: ``namespace`` is not subscribed to ``url``.
        """
        with self._db() as db:
            changed = db.execute(
                "UPDATE feeds SET channel_id = ? WHERE namespace = ? AND url = ?",
                (channel_id, namespace, url),
            )
        if changed.rowcount == 0:
            raise FeedNotFound(f"no feed {url} in {namespace}")
        return self.get(url, namespace)

    def remove(self, url: str, namespace: str = "default") -> None:
        """Unsubscribe, forgetting which of its entries were seen (articles stay stored).

        Raises:
            FeedNotFound: ``namespace`` is not subscribed to ``url``.
        """
        with self._db() as db:
            gone = db.execute("DELETE FROM feeds WHERE namespace = ? AND url = ?", (namespace, url))
            db.execute("DELETE FROM seen WHERE namespace = ? AND feed_url = ?", (namespace, url))
        if gone.rowcount == 0:
            raise FeedNotFound(f"no feed {url} in {namespace}")

    def feeds(self, namespace: str | None = None) -> list[Feed]:
        """Subscriptions of one namespace, or of all, in order of addition."""
        query = _SELECT
        args: tuple[str, ...] = ()
        if namespace is not None:
            query, args = query + " WHERE namespace = ?", (namespace,)
        with self._db() as db:
            rows = db.execute(query + " ORDER BY added_at, url", args).fetchall()
        return [_feed(r) for r in rows]

    def due(self, now: datetime, namespace: str | None = None) -> list[Feed]:
        """Subscriptions whose next poll time has come."""
        return [f for f in self.feeds(namespace) if f.next_poll_at <= now]

    def unseen(self, namespace: str, keys: Iterable[str]) -> list[str]:
        """The keys (in order) not yet recorded as seen in ``namespace``."""
        wanted = list(dict.fromkeys(keys))
        with self._db() as db:
            seen = {r[0] for r in db.execute("SELECT entry_key FROM seen WHERE namespace = ?", (namespace,))}
        return [k for k in wanted if k not in seen]

    def mark_seen(self, namespace: str, feed_url: str, keys: Iterable[str], now: datetime) -> None:
        """Record entries as ingested (or as permanently unreadable)."""
        rows = [(namespace, k, feed_url, _ts(now)) for k in keys]
        with self._db() as db:
            db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?, ?, ?)", rows)

    def record_success(
        self, feed: Feed, now: datetime, interval: timedelta, title: str | None = None
    ) -> None:
        """A good poll: reset the failure count and schedule the next poll one interval on."""
        with self._db() as db:
            db.execute(
                "UPDATE feeds SET failures = 0, last_error = NULL, last_polled_at = ?, next_poll_at = ?,"
                " title = COALESCE(?, title) WHERE namespace = ? AND url = ?",
                (_ts(now), _ts(now + interval), title, feed.namespace, feed.url),
            )

    def record_failure(self, feed: Feed, now: datetime, interval: timedelta, error: str) -> datetime:
        """A failed poll: back off exponentially (capped); returns when the feed is due again."""
        failures = feed.failures + 1
        wait = min(interval * (1 << min(failures, 20)), MAX_BACKOFF)
        with self._db() as db:
            db.execute(
                "UPDATE feeds SET failures = ?, last_error = ?, last_polled_at = ?, next_poll_at = ?"
                " WHERE namespace = ? AND url = ?",
                (failures, error[:500], _ts(now), _ts(now + wait), feed.namespace, feed.url),
            )
        return now + wait


def _add_columns(conn: sqlite3.Connection) -> None:
    """Bring a database made by an older version up to the current columns (idempotent)."""
    for name, kind in _ADDED_COLUMNS:
        present = {str(row[1]) for row in conn.execute("PRAGMA table_info(feeds)")}
        if name in present:
            continue
        try:
            conn.execute(f"ALTER TABLE feeds ADD COLUMN {name} {kind}")
        except sqlite3.OperationalError:  # another process added it in between
            if name not in {str(row[1]) for row in conn.execute("PRAGMA table_info(feeds)")}:
                raise


def _ts(moment: datetime) -> float:
    return moment.timestamp()


def _moment(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _feed(row: tuple[object, ...]) -> Feed:
    namespace, url, title, added, due, polled, failures, error, channel = row
    return Feed(
        namespace=str(namespace),
        url=str(url),
        title=str(title) if title else None,
        added_at=_moment(float(added)) or datetime.now(UTC),  # type: ignore[arg-type]
        next_poll_at=_moment(float(due)) or datetime.now(UTC),  # type: ignore[arg-type]
        last_polled_at=_moment(float(polled)) if polled is not None else None,  # type: ignore[arg-type]
        failures=int(failures),  # type: ignore[call-overload]
        last_error=str(error) if error else None,
        channel_id=int(channel) if channel is not None else None,  # type: ignore[call-overload]
    )
