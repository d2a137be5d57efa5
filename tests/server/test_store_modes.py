"""Ingest, ask, re-ingest and forget behave the same on the embedded store and a Chroma server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.server.chroma_server import HOST, ChromaServer
from tests.server.conftest import Room

MINISTRY = (
    "In a separate announcement, Russia's foreign ministry said Thursday that Lavrov has met Kim "
    "in a meeting that lasted over an hour."
)

# Fictional, and about nothing the seed article mentions, so only this article can answer.
OBSERVATORY = """Larkspur Observatory names its new telescope
DATE: 2026-11-20
SOURCE: Larkspur Gazette

The Larkspur Observatory announced on Friday that its new solar telescope will be called Quillfeather.
The name was chosen by pupils of the Fennick Street school in a vote held last month.
The telescope cost 4.2 million crowns and will open to visitors in the spring.
"""
OBSERVATORY_QUESTION = "What is the new telescope at the Larkspur Observatory called?"


def test_seed_question_is_answered_with_the_ministry_quote(room: Room, seed_dir: Path) -> None:
    report = room.newsroom.ingest_sync([str(seed_dir)], room.namespace)
    assert (report.articles_added, report.errors) == (1, [])
    answer = room.newsroom.ask_sync("who did Lavrov meet?", room.namespace)
    assert "Kim" in answer.text
    assert any(c.quote == MINISTRY for c in answer.citations)


def test_reingesting_is_a_no_op_in_both_modes(room: Room, seed_dir: Path) -> None:
    first = room.newsroom.ingest_sync([str(seed_dir)], room.namespace)
    ids_before = sorted(room.newsroom.store.chunk_ids(room.namespace))
    again = room.newsroom.ingest_sync([str(seed_dir)], room.namespace)
    assert (again.articles_added, again.articles_skipped, again.chunks_added) == (0, 1, 0)
    assert sorted(room.newsroom.store.chunk_ids(room.namespace)) == ids_before
    assert len(ids_before) == first.chunks_added > 0


def test_forgotten_article_is_no_longer_cited(room: Room, seed_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "observatory.txt").write_text(OBSERVATORY, encoding="utf-8")
    room.newsroom.ingest_sync([str(seed_dir), str(tmp_path / "observatory.txt")], room.namespace)
    answer = room.newsroom.ask_sync(OBSERVATORY_QUESTION, room.namespace)
    assert "Quillfeather" in answer.text
    gone = answer.citations[0].article_id

    forgotten = room.newsroom.forget_sync(gone, room.namespace)

    assert forgotten.id == gone
    assert room.newsroom.store.find_article(room.namespace, gone) is None
    after = room.newsroom.ask_sync(OBSERVATORY_QUESTION, room.namespace)
    assert all(c.article_id != gone for c in after.citations)
    assert all(r.article_id != gone for r in after.retrieved)
    assert "Quillfeather" not in after.text


def test_article_ingested_by_another_process_answers_the_next_question(
    room_on_server: Room, chroma_server: ChromaServer, seed_dir: Path, tmp_path: Path
) -> None:
    newsroom, ns = room_on_server.newsroom, room_on_server.namespace
    newsroom.ingest_sync([str(seed_dir)], ns)
    # Warm every per-process index (lexical, caches) before the other process writes.
    before = newsroom.ask_sync(OBSERVATORY_QUESTION, ns)
    assert "Quillfeather" not in before.text
    (tmp_path / "observatory.txt").write_text(OBSERVATORY, encoding="utf-8")
    env = {
        **os.environ,
        "NEWSDESK_CHROMA_HOST": HOST,
        "NEWSDESK_CHROMA_PORT": str(chroma_server.port),
        "NEWSDESK_DATA_DIR": str(tmp_path / "other-process"),
        "OPENBLAS_NUM_THREADS": "1",
    }
    cli = [sys.executable, "-m", "bot.cli", "ingest", str(tmp_path / "observatory.txt")]
    done = subprocess.run(  # noqa: S603 -- the project's own CLI
        [*cli, "--namespace", ns, "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["articles_added"] == 1

    answer = newsroom.ask_sync(OBSERVATORY_QUESTION, ns)

    assert "Quillfeather" in answer.text
    assert answer.citations and "Quillfeather" in answer.citations[0].quote


def test_rechunk_recuts_the_seed_article_in_both_modes(room: Room, seed_dir: Path) -> None:
    room.newsroom.ingestor.max_tokens = 64
    room.newsroom.ingest_sync([str(seed_dir)], room.namespace)
    small = room.newsroom.store.count(room.namespace)
    room.newsroom.ingestor.max_tokens = 512
    report = room.newsroom.rechunk_sync(room.namespace)
    assert (report.articles_updated, report.errors) == (1, [])
    assert 0 < room.newsroom.store.count(room.namespace) < small
    answer = room.newsroom.ask_sync("who did Lavrov meet?", room.namespace)
    assert any(c.quote == MINISTRY for c in answer.citations)
