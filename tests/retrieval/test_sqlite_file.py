"""The small SQLite files beside the store: made on first use, one transaction per block."""

from __future__ import annotations

import sqlite3

import pytest

from retrieval.sqlite_file import SqliteFile

SCHEMA = "CREATE TABLE IF NOT EXISTS notes (text TEXT NOT NULL);"


def test_the_file_and_its_folder_are_made_on_first_use_and_migrated_once(tmp_path):
    migrated: list[str] = []
    db = SqliteFile(tmp_path / "a" / "b.sqlite3", SCHEMA, lambda conn: migrated.append("once"))
    assert not db.path.exists()
    with db.transaction() as conn:
        conn.execute("INSERT INTO notes VALUES ('kept')")
    with db.transaction() as conn:
        assert conn.execute("SELECT text FROM notes").fetchall() == [("kept",)]
    assert migrated == ["once"]


def test_a_block_that_fails_writes_nothing(tmp_path):
    db = SqliteFile(tmp_path / "n.sqlite3", SCHEMA)
    with pytest.raises(sqlite3.IntegrityError), db.transaction() as conn:
        conn.execute("INSERT INTO notes VALUES ('half')")
        conn.execute("INSERT INTO notes VALUES (NULL)")
    with db.transaction() as conn:
        assert conn.execute("SELECT count(*) FROM notes").fetchone() == (0,)
