"""Fixtures that run the real discord.py client against the loopback fake of Discord."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.app_commands import CommandTree

from bot import cli
from bot.discord_app import NewsdeskBot
from bot.newsroom import Newsroom
from bot.settings import Settings
from tests.bot.fake_discord import FakeDiscord, FakeGuild, FakeUser, Recorded

TOKEN = "fake-token.for-the-loopback-fake.never-valid"


def _is_loopback(address: Any) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX path
        return True
    host = address[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class ConnectionGuard:
    """Every outgoing connection attempt seen, and those refused for leaving loopback."""

    seen: list[Any] = field(default_factory=list)
    refused: list[Any] = field(default_factory=list)

    def check(self, address: Any) -> None:
        self.seen.append(address)
        if not _is_loopback(address):
            self.refused.append(address)
            raise OSError(f"test guard: connection to {address!r} outside loopback refused")


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[ConnectionGuard]:
    """Record (and refuse if not loopback) every socket connect, sync or asyncio."""
    guard = ConnectionGuard()
    sync_connect = socket.socket.connect
    sock_connect = asyncio.selector_events.BaseSelectorEventLoop.sock_connect
    create_connection = asyncio.base_events.BaseEventLoop.create_connection

    def guarded_connect(self: socket.socket, address: Any) -> None:
        guard.check(address)
        sync_connect(self, address)

    async def guarded_sock_connect(self: Any, sock: socket.socket, address: Any) -> None:
        guard.check(address)
        await sock_connect(self, sock, address)

    async def guarded_create_connection(
        self: Any, protocol_factory: Any, host: Any = None, port: Any = None, **kwargs: Any
    ) -> Any:
        if host is not None:
            guard.check((host, port))
        return await create_connection(self, protocol_factory, host, port, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(asyncio.selector_events.BaseSelectorEventLoop, "sock_connect", guarded_sock_connect)
    monkeypatch.setattr(asyncio.base_events.BaseEventLoop, "create_connection", guarded_create_connection)
    yield guard
    assert guard.refused == [], f"connections outside loopback: {guard.refused}"


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch, connections: ConnectionGuard) -> AsyncIterator[FakeDiscord]:
    """The fake, with discord.py's REST base and gateway pointed at it."""
    server = FakeDiscord()
    await server.start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.rest_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", server.gateway_url)
    yield server
    await server.stop()


@dataclass
class Harness:
    """A running bot connected to the fake, with helpers that wait for commands to finish."""

    fake: FakeDiscord
    bot: NewsdeskBot
    finished: dict[int, asyncio.Event]

    async def command(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        guild: FakeGuild | None,
        user: FakeUser,
        attachments: dict[str, dict[str, Any]] | None = None,
        autocomplete: str | None = None,
        subcommand: str | None = None,
    ) -> list[Recorded]:
        """Push ``/name [subcommand]``; return the requests made under its token once handled."""
        interaction_id = await self.push(
            name,
            options,
            guild=guild,
            user=user,
            attachments=attachments,
            autocomplete=autocomplete,
            subcommand=subcommand,
        )
        await self.wait(interaction_id)
        return self.fake.token_requests(interaction_id)

    async def message_command(
        self, name: str, message_id: int, *, guild: FakeGuild, user: FakeUser
    ) -> list[Recorded]:
        """Push the message context menu ``name`` on ``message_id``; return its requests once handled."""
        interaction_id = await self.fake.message_command(name, message_id, guild=guild, user=user)
        await self.wait(interaction_id)
        return self.fake.token_requests(interaction_id)

    async def push(self, name: str, options: dict[str, Any] | None = None, **kwargs: Any) -> int:
        interaction_id = await self.fake.slash(name, options, **kwargs)
        self.finished.setdefault(interaction_id, asyncio.Event())
        return interaction_id

    async def wait(self, interaction_id: int, seconds: float = 30.0) -> None:
        event = self.finished.setdefault(interaction_id, asyncio.Event())
        await asyncio.wait_for(event.wait(), seconds)


def _trace_commands(bot: NewsdeskBot, finished: dict[int, asyncio.Event]) -> None:
    """Signal when the tree has fully handled an interaction (responses and error handler included)."""
    call = bot.tree._call

    async def traced(interaction: discord.Interaction[Any]) -> None:
        try:
            await call(interaction)
        finally:
            finished.setdefault(interaction.id, asyncio.Event()).set()

    bot.tree._call = traced  # type: ignore[method-assign]
    assert isinstance(bot.tree, CommandTree)


@pytest.fixture
async def start_bot(
    fake: FakeDiscord, newsroom: Newsroom, tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[Harness]]]:
    """``await start_bot(**settings)`` connects a NewsdeskBot to the fake (add guilds first)."""
    running: list[tuple[NewsdeskBot, asyncio.Task[None]]] = []

    async def _start(**overrides: Any) -> Harness:
        values: dict[str, Any] = {"data_dir": tmp_path / "data", "ask_cooldown_seconds": 0}
        values.update(overrides)
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        bot = NewsdeskBot(settings, newsroom, guild_ready_timeout=0.05)
        finished: dict[int, asyncio.Event] = {}
        _trace_commands(bot, finished)
        task = asyncio.create_task(bot.start(TOKEN))
        running.append((bot, task))
        for _ in range(1500):
            if bot.is_ready() or task.done():
                break
            await asyncio.sleep(0.01)
        if task.done():
            task.result()  # surfaces a login or connection failure
        assert bot.is_ready(), "the bot did not become ready against the fake"
        return Harness(fake, bot, finished)

    yield _start
    for bot, task in running:
        await bot.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


@pytest.fixture
def run(
    newsroom: Newsroom,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., tuple[int, str, str]]:
    """``run(*argv)`` runs the ``newsdesk`` CLI on the test's newsroom: (exit code, stdout, stderr)."""
    monkeypatch.setattr(cli.Newsroom, "from_settings", classmethod(lambda cls, s: newsroom))

    def _run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv), settings=settings)
        out, err = capsys.readouterr()
        return code, out, err

    return _run
