"""The bot on a Chroma server that goes away: users are told, the bot stays up, and recovers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.newsroom import Newsroom
from bot.settings import Settings
from retrieval.embedder import MiniLMEmbedder
from tests.bot.conftest import Harness
from tests.bot.fake_discord import FakeDiscord, Recorded
from tests.bot.test_discord_bot import ARTICLES, ephemeral_reply
from tests.server.chroma_server import HOST, ChromaServer

QUESTION = "Who did Admiral Vance meet?"


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "chroma-db")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def newsroom(
    chroma: ChromaServer, tmp_path: Path, embedder: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch
) -> Newsroom:
    """This module's bots use a real Chroma server instead of the embedded store."""
    monkeypatch.setattr("bot.newsroom.MiniLMEmbedder", lambda threads=None: embedder)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path / "data", chroma_host=HOST, chroma_port=chroma.port
    )
    return Newsroom.from_settings(settings)


def answers(requests: list[Recorded]) -> list[str]:
    return [r.payload["content"] for r in requests if r.method == "POST" and "/webhooks/" in r.path]


async def test_ask_while_the_store_is_down_says_so_and_the_bot_recovers_by_itself(
    fake: FakeDiscord, start_bot, newsroom: Newsroom, chroma: ChromaServer
) -> None:
    guild = fake.add_guild("Halden")
    newsroom.ingest_sync([str(ARTICLES / "vance-lighthouse-guild.txt")], str(guild.id))
    harness: Harness = await start_bot()
    await asyncio.to_thread(chroma.stop)

    down = await harness.command("ask", {"question": QUESTION}, guild=guild, user=fake.user("reader"))

    assert ephemeral_reply(down).startswith("the news store is unreachable")
    assert f"{HOST}:{chroma.port}" in ephemeral_reply(down)
    assert harness.bot.is_ready() and not harness.bot.is_closed()
    await asyncio.to_thread(chroma.start)
    back = await harness.command("ask", {"question": QUESTION}, guild=guild, user=fake.user("reader2"))
    (answer,) = answers(back)
    assert "Ilse Varga" in answer
