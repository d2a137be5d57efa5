"""``newsdesk doctor`` says what works and what does not, with hints, and never prints secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.newsroom import Newsroom
from bot.settings import Settings
from retrieval.embedder import MiniLMEmbedder
from tests.server.chroma_server import HOST, ChromaServer, free_port
from tests.server.conftest import server_settings

DISCORD_SECRET = "MTIzNDU2Nzg5.GhIjKl.very-secret-discord-token-value"


@pytest.fixture(autouse=True)
def session_embedder(use_session_embedder: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("retrieval.embedder.MiniLMEmbedder", lambda threads=None: use_session_embedder)


def doctor(settings: Settings, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["doctor", *extra], settings=settings)
    return code, capsys.readouterr().out


def embedded(tmp_path: Path, **kw: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", **kw)  # type: ignore[call-arg]


def test_healthy_embedded_store_reports_namespaces_and_exits_zero(
    tmp_path: Path, seed_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = embedded(tmp_path, discord_token=DISCORD_SECRET, guild_ids=[42])
    Newsroom.from_settings(settings).ingest_sync([str(seed_dir)])

    code, out = doctor(settings, capsys)

    assert code == 0, out
    assert "default: 1 article, " in out
    assert "embedder all-MiniLM-L6-v2-int8, schema 1" in out
    assert "guilds: 42" in out
    assert "fail" not in out


def test_secrets_never_appear_in_text_or_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = embedded(
        tmp_path,
        discord_token=DISCORD_SECRET,
        chroma_token="chroma-secret-token",
        chat_model="openai:gpt-4o-mini",
        chat_api_key="sk-chat-secret-key",
    )
    for extra in ((), ("--json",)):
        _, out = doctor(settings, capsys, *extra)
        for secret in (DISCORD_SECRET, "chroma-secret-token", "sk-chat-secret-key", "very-secret"):
            assert secret not in out


def test_no_store_yet_is_fine_and_nothing_is_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = doctor(embedded(tmp_path), capsys)
    assert code == 0
    assert "the first ingest creates it" in out
    assert not (tmp_path / "data" / "chroma").exists()


def test_server_mode_reports_the_server(
    chroma_server: ChromaServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = doctor(server_settings(tmp_path, chroma_server.port), capsys, "--json")
    checks = json.loads(out)
    store = next(c for c in checks if c["part"] == "store")
    assert code == 0
    assert store["status"] == "ok"
    assert f"Chroma server {HOST}:{chroma_server.port} answers" in store["detail"]


def test_unreachable_server_fails_with_a_hint_and_exit_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    code, out = doctor(server_settings(tmp_path, port), capsys)
    assert code == 1
    assert f"fail  store      the news store is unreachable (Chroma server {HOST}:{port})" in out
    assert f"chroma run --path DIR --host {HOST} --port {port}" in out


def test_collection_of_another_embedder_fails_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = embedded(tmp_path)
    store = Newsroom.from_settings(settings).store
    store._client.create_collection(
        "newsdesk_legacy", embedding_function=None, metadata={"embedder": "old-model", "schema": 1}
    )
    code, out = doctor(settings, capsys)
    assert code == 1
    assert "fail  namespace  legacy: collection newsdesk_legacy" in out
    assert "old-model" in out


def test_unknown_chat_provider_is_an_essential_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = doctor(embedded(tmp_path, chat_model="nosuchprovider:model"), capsys)
    assert code == 1
    assert "fail  chat" in out


def test_chat_probe_of_a_dead_endpoint_fails_but_answers_still_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = f"http://{HOST}:{free_port()}/v1"
    settings = embedded(tmp_path, chat_model="openai:gpt-4o-mini", chat_base_url=dead)

    code, out = doctor(settings, capsys, "--probe")

    assert code == 0, out
    assert f"ok    chat       openai:gpt-4o-mini at {dead} configured" in out
    assert "did not answer a probe" in out
    assert "answered extractively" in out


def test_a_namespace_cut_at_another_chunk_size_gets_a_rechunk_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = embedded(tmp_path, chunk_tokens=64, chunk_overlap=8)
    body = " ".join(f"The ferry made crossing number {i} to Gull Island before dawn." for i in range(40))
    texts = tmp_path / "articles"
    texts.mkdir()
    for n in range(6):
        (texts / f"ferry{n}.txt").write_text(f"Ferry log {n}\nDATE: 2026-11-0{n + 1}\n\n{body} Log {n}.")
    Newsroom.from_settings(settings).ingest_sync([str(texts)])

    code, out = doctor(settings, capsys)
    assert code == 0, out
    assert "chunks look cut" not in out  # cut at the current size: nothing to say

    bigger = embedded(tmp_path, chunk_tokens=512)
    code, out = doctor(bigger, capsys)
    assert code == 0, out
    assert "default: chunks look cut at about" in out and "the chunk size is now 512" in out
    assert "hint: newsdesk rechunk --namespace default" in out

    Newsroom.from_settings(bigger).rechunk_sync("default")
    _, out = doctor(bigger, capsys)
    assert "rechunk" not in out
