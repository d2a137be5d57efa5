"""The small SQLite files kept beside the store: feed subscriptions, briefings, conversations."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path


class SqliteFile:
    """A SQLite database file, created with its folder and ``schema`` on first use.

    ``migrate`` brings a file made by an older version up to date; it and ``schema`` must be
    idempotent, since another process may have run them first. Each :meth:`transaction` is one
    connection and one transaction, committed when the block ends without an error; a writer in
    another process is waited for up to ``timeout`` seconds.
    """

    def __init__(
        self,
        path: Path,
        schema: str,
        migrate: Callable[[sqlite3.Connection], None] | None = None,
        timeout: float = 15,
    ) -> None:
        self.path = path
        self.schema = schema
        self.migrate = migrate
        self.timeout = timeout
        self._ready = False

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=self.timeout)) as conn:
            if not self._ready:
                conn.executescript(self.schema)
                if self.migrate is not None:
                    self.migrate(conn)
                self._ready = True
            with conn:
                yield conn
