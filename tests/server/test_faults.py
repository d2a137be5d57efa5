"""Faults: the Chroma server going away mid-ingest or at question time, and unreadable stores."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.newsroom import Newsroom
from bot.settings import Settings
from ingest.parsing import iter_jsonl
from ingest.pipeline import _GROUP
from retrieval.embedder import MiniLMEmbedder
from retrieval.errors import StoreLayoutError, StoreUnavailable
from tests.server.chroma_server import HOST, ChromaServer
from tests.server.conftest import Room, server_settings

ARTICLES = _GROUP + 2  # more than one ingest group, so the server can vanish between two groups


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A server this test may stop and restart (on the same port and data directory)."""
    server = ChromaServer(tmp_path / "server-db")
    server.start()
    yield server
    server.stop()


def _corpus(path: Path) -> Path:
    """Fictional multi-chunk articles, one JSON object a line."""
    lines = []
    for i in range(ARTICLES):
        body = " ".join(
            f"In the town of Vellmark {i}, the harbour committee met for session {j} and agreed to "
            f"repair pier {i * 100 + j}, which the ferry to island {j} has used since {1900 + i + j}."
            for j in range(12)
        )
        title = f"Vellmark {i} repairs its piers"
        lines.append(json.dumps({"title": title, "body": body, "published_at": "2026-11-01"}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_server_stopped_mid_ingest_names_it_and_a_rerun_completes_without_duplicates(
    own_server: ChromaServer, tmp_path: Path, use_session_embedder: MiniLMEmbedder
) -> None:
    corpus = _corpus(tmp_path / "vellmark.jsonl")
    room = Newsroom.from_settings(server_settings(tmp_path, own_server.port))
    articles = [a for _, a in iter_jsonl(corpus.read_text(encoding="utf-8"))]
    expected = sorted(c.id for a in articles for c in room.ingestor.chunk(a))  # type: ignore[union-attr]

    with pytest.raises(StoreUnavailable) as failed:
        room.ingest_sync([str(corpus)], "faults", progress=lambda _n: own_server.stop())

    assert "the news store is unreachable" in str(failed.value)
    assert f"Chroma server {HOST}:{own_server.port}" in str(failed.value)
    own_server.start()
    partial = room.store.count("faults")
    assert 0 < partial < len(expected)

    report = room.ingest_sync([str(corpus)], "faults")

    assert report.errors == []
    assert report.articles_added + report.articles_skipped == ARTICLES
    assert report.articles_skipped > 0
    ids = room.store.chunk_ids("faults")
    assert len(ids) == len(set(ids)) == room.store.count("faults")
    assert sorted(ids) == expected


def test_question_while_server_is_down_says_unreachable_and_recovers_by_itself(
    own_server: ChromaServer, tmp_path: Path, seed_dir: Path, use_session_embedder: MiniLMEmbedder
) -> None:
    room = Newsroom.from_settings(server_settings(tmp_path, own_server.port))
    room.ingest_sync([str(seed_dir)])
    assert "Kim" in room.ask_sync("who did Lavrov meet?").text
    own_server.stop()

    with pytest.raises(StoreUnavailable, match="the news store is unreachable") as down:
        room.ask_sync("who did Lavrov meet?")
    assert str(own_server.port) in str(down.value)

    own_server.start()
    assert "Kim" in room.ask_sync("who did Lavrov meet?").text


async def test_async_question_while_server_is_down_raises_the_safe_error(
    own_server: ChromaServer, tmp_path: Path, seed_dir: Path, use_session_embedder: MiniLMEmbedder
) -> None:
    room = Newsroom.from_settings(server_settings(tmp_path, own_server.port))
    room.ingest_sync([str(seed_dir)])
    own_server.stop()
    with pytest.raises(StoreUnavailable, match="the news store is unreachable"):
        await room.ask("who did Lavrov meet?")
    own_server.start()
    assert "Kim" in (await room.ask("who did Lavrov meet?")).text


def test_cli_with_no_server_running_exits_with_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], use_session_embedder: MiniLMEmbedder
) -> None:
    stopped = ChromaServer(tmp_path / "never-started")  # a free port nobody listens on
    code = main(["ask", "who did Lavrov meet?"], settings=server_settings(tmp_path, stopped.port))
    assert code == 1
    assert f"the news store is unreachable (Chroma server {HOST}:{stopped.port})" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("embedder_name", "schema"),
    [("all-mpnet-base-v2", 1), ("all-MiniLM-L6-v2-int8", 0), (None, None)],
    ids=["other-embedder", "older-schema", "unrecorded"],
)
def test_collection_of_another_embedder_or_schema_is_refused_and_left_untouched(
    room: Room, seed_dir: Path, embedder_name: str | None, schema: int | None
) -> None:
    client = room.newsroom.store._client
    meta = {k: v for k, v in {"embedder": embedder_name, "schema": schema}.items() if v is not None}
    old = client.create_collection(
        f"newsdesk_{room.namespace}", embedding_function=None, metadata=meta or None
    )
    old.add(ids=["old-1"], embeddings=[[0.1] * 384], documents=["an older record"])

    with pytest.raises(StoreLayoutError) as refused:
        room.newsroom.ingest_sync([str(seed_dir)], room.namespace)
    with pytest.raises(StoreLayoutError):
        room.newsroom.ask_sync("who did Lavrov meet?", room.namespace)

    message = str(refused.value)
    assert f"newsdesk_{room.namespace}" in message
    assert (embedder_name or "unknown") in message
    after = client.get_collection(f"newsdesk_{room.namespace}", embedding_function=None)
    assert after.get(include=[])["ids"] == ["old-1"]
    assert {k: v for k, v in (after.metadata or {}).items() if k in ("embedder", "schema")} == meta


def test_garbage_database_file_is_reported_and_left_untouched(
    tmp_path: Path, use_session_embedder: MiniLMEmbedder
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    store_dir = settings.data_dir / "chroma"
    store_dir.mkdir(parents=True)
    garbage = bytes(range(256)) * 64
    (store_dir / "chroma.sqlite3").write_bytes(garbage)

    with pytest.raises(StoreLayoutError) as refused:
        Newsroom.from_settings(settings)

    assert str(store_dir) in str(refused.value)
    assert "left untouched" in str(refused.value)
    assert (store_dir / "chroma.sqlite3").read_bytes() == garbage
    assert sorted(p.name for p in store_dir.iterdir()) == ["chroma.sqlite3"]


def test_writing_into_a_collection_of_another_embedder_is_refused(room: Room) -> None:
    from ingest.parsing import make_article
    from retrieval.models import Chunk

    client = room.newsroom.store._client
    name = f"newsdesk_{room.namespace}"
    client.create_collection(name, embedding_function=None, metadata={"embedder": "other", "schema": 1})
    article = make_article("Title", "Body text.")
    chunk = Chunk(id="c-0", article_id=article.id, index=0, text="Body text.", start=0, end=10)

    with pytest.raises(StoreLayoutError, match=name):
        room.newsroom.store.write_article(room.namespace, article, [chunk], [[0.1] * 384])  # type: ignore[arg-type]

    assert client.get_collection(name, embedding_function=None).count() == 0


def test_hung_server_times_out_as_unreachable_instead_of_hanging(
    own_server: ChromaServer,
    tmp_path: Path,
    seed_dir: Path,
    use_session_embedder: MiniLMEmbedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("retrieval.store.SERVER_TIMEOUT", 1.0)
    room = Newsroom.from_settings(server_settings(tmp_path, own_server.port))
    room.ingest_sync([str(seed_dir)])
    own_server.pause()
    try:
        with pytest.raises(StoreUnavailable, match="the news store is unreachable"):
            room.ask_sync("who did Lavrov meet?")
    finally:
        own_server.resume()
    assert "Kim" in room.ask_sync("who did Lavrov meet?").text
