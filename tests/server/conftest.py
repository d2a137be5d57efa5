"""A real Chroma server for the session, and the same Newsroom tests over both store modes.

The server takes about a second to start, so it always runs (CI needs no extra configuration);
``NEWSDESK_TEST_CHROMA_SERVER=0`` skips the server-mode half when the CLI cannot run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.newsroom import Newsroom
from bot.settings import Settings
from retrieval.embedder import MiniLMEmbedder
from tests.server.chroma_server import HOST, ChromaServer, chroma_binary

MODES = ["embedded", "server"]


def _server_wanted() -> bool:
    return os.environ.get("NEWSDESK_TEST_CHROMA_SERVER", "1") != "0"


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """One ``chroma run`` on a free loopback port for the whole session."""
    if not _server_wanted():
        pytest.skip("NEWSDESK_TEST_CHROMA_SERVER=0")
    if chroma_binary() is None:
        pytest.fail("the chroma CLI (installed with chromadb) is missing")
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "db")
    server.start()
    yield server
    server.stop()


def server_settings(tmp_path: Path, port: int) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path / "data", chroma_host=HOST, chroma_port=port
    )


@pytest.fixture
def use_session_embedder(embedder: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch) -> MiniLMEmbedder:
    """Every Newsroom built in the test shares the session's embedder (no reload)."""
    monkeypatch.setattr("bot.newsroom.MiniLMEmbedder", lambda threads=None: embedder)
    return embedder


@dataclass
class Room:
    """A Newsroom on one store mode, with a namespace no other test uses."""

    mode: str
    newsroom: Newsroom
    namespace: str
    settings: Settings


@pytest.fixture(params=MODES)
def room(request: pytest.FixtureRequest, tmp_path: Path, use_session_embedder: MiniLMEmbedder) -> Room:
    """The same test against the embedded store and against a real Chroma server."""
    if request.param == "server":
        server: ChromaServer = request.getfixturevalue("chroma_server")
        settings = server_settings(tmp_path, server.port)
    else:
        settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    # The server outlives the test: a fresh namespace keeps tests apart on it.
    namespace = f"t{uuid.uuid4().hex[:12]}"
    return Room(request.param, Newsroom.from_settings(settings), namespace, settings)


@pytest.fixture
def room_on_server(chroma_server: ChromaServer, tmp_path: Path, use_session_embedder: MiniLMEmbedder) -> Room:
    """A Newsroom on the session's Chroma server, with a fresh namespace."""
    settings = server_settings(tmp_path, chroma_server.port)
    return Room("server", Newsroom.from_settings(settings), f"t{uuid.uuid4().hex[:12]}", settings)
