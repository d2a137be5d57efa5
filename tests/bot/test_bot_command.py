"""``newsdesk bot`` end to end: logs in with DISCORD_TOKEN, reaches READY on the fake, exits cleanly."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator

import discord
import pytest

from bot import cli
from bot.discord_app import NewsdeskBot
from bot.settings import Settings
from tests.bot.conftest import TOKEN
from tests.bot.fake_discord import FakeDiscord


@pytest.fixture
def threaded_fake(monkeypatch: pytest.MonkeyPatch, connections) -> Iterator[FakeDiscord]:
    """The fake on its own event loop in a thread, since ``bot.run`` owns the main thread's loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake = FakeDiscord()
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(10)
    monkeypatch.setattr(discord.http.Route, "BASE", fake.rest_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", fake.gateway_url)
    yield fake
    asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def test_newsdesk_bot_logs_in_reaches_ready_and_never_logs_the_token(
    threaded_fake, newsroom, tmp_path, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    threaded_fake.add_guild("Halden")
    ready: list[int] = []

    async def close_when_ready(self: NewsdeskBot) -> None:
        ready.append(len(self.guilds))
        await self.close()

    monkeypatch.setattr(NewsdeskBot, "on_ready", close_when_ready)
    monkeypatch.setattr(cli.Newsroom, "from_settings", classmethod(lambda cls, s: newsroom))
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]

    assert cli.main(["bot"], settings=settings) == 0
    assert ready == [1]
    assert [r.path for r in threaded_fake.requests][:2] == ["/users/@me", "/oauth2/applications/@me"]
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


def test_newsdesk_bot_with_a_rejected_token_exits_with_one_line(
    threaded_fake, newsroom, tmp_path, monkeypatch, capsys
):
    threaded_fake.reject_token = True
    monkeypatch.setattr(cli.Newsroom, "from_settings", classmethod(lambda cls, s: newsroom))
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]

    assert cli.main(["bot"], settings=settings) == 1
    err = capsys.readouterr().err
    assert err == "error: Discord rejected DISCORD_TOKEN: check the bot token\n"
