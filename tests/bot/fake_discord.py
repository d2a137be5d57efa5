"""A protocol-level fake of Discord on loopback, for driving the real discord.py client.

It speaks what discord.py 2.7 needs (DESIGN.md): the REST routes for login, command sync,
interaction callbacks, webhooks (follow-ups), channel messages and attachments, and a gateway
websocket (HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeat ACK, pushed INTERACTION_CREATE and
MESSAGE_CREATE). Every REST request is recorded with its decoded JSON payload so tests can read
exactly what the bot sent.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yarl
from aiohttp import web

from tests.bot import discord_payloads as payloads
from tests.bot.discord_payloads import (
    DISCORD_EPOCH_MS,
    EPHEMERAL,
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    FakeGuild,
    FakeUser,
)

__all__ = ["FakeDiscord", "FakeGuild", "FakeUser", "Recorded"]

API = "/api/v10"


@dataclass
class Recorded:
    """One REST request the client made."""

    method: str
    path: str
    query: dict[str, str]
    payload: Any
    files: dict[str, bytes]
    at: float


def json_response(data: Any, status: int = 200) -> web.Response:
    # discord.py compares Content-Type with == "application/json": no charset parameter
    body = json.dumps(data).encode()
    return web.Response(status=status, body=body, headers={"Content-Type": "application/json"})


class FakeDiscord:
    """Discord's REST API and gateway on 127.0.0.1; start with ``await fake.start()``."""

    def __init__(self, heartbeat_interval_ms: int = 41250) -> None:
        self._ids = itertools.count(1)
        self.heartbeat_interval_ms = heartbeat_interval_ms  # sent in HELLO
        self.heartbeats: list[float] = []  # monotonic time of each heartbeat (op 1) received
        self.bot = FakeUser(self.snowflake(), "Newsdesk")
        self.application_id = self.bot.id
        self.guilds: dict[int, FakeGuild] = {}
        self.requests: list[Recorded] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.attachments: dict[str, bytes] = {}
        self.pushed_at: dict[int, float] = {}
        self.interactions: dict[int, dict[str, Any]] = {}
        self.reject_token = False  # answer login with 401, as Discord does for a bad token
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id -> synced commands
        self.attachment_size_limit = 25 * 1024 * 1024  # what an interaction says the bot may upload
        self.identified = asyncio.Event()
        self._changed = asyncio.Condition()
        self._ws: web.WebSocketResponse | None = None
        self._seq = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{key}/{name}", self._attachment)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def rest_base(self) -> str:
        return self.base + API

    @property
    def gateway_url(self) -> yarl.URL:
        return yarl.URL(f"ws://127.0.0.1:{self.port}/gateway")

    # -- world ----------------------------------------------------------------------------------

    def snowflake(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._ids) & 0x3FFFFF)

    def add_guild(self, name: str, roles: tuple[str, ...] = ()) -> FakeGuild:
        guild = FakeGuild(self.snowflake(), name, self.snowflake(), bot_role_id=self.snowflake())
        guild.roles = {self.snowflake(): role for role in roles}
        self.guilds[guild.id] = guild
        return guild

    def user(self, name: str, *, manage_guild: bool = False, roles: list[int] | None = None) -> FakeUser:
        perms = MEMBER_PERMISSIONS | (MANAGE_GUILD if manage_guild else 0)
        return FakeUser(self.snowflake(), name, perms, roles or [])

    def add_channel(self, guild: FakeGuild, name: str, *, read_only: bool = False) -> int:
        """Another text channel in ``guild`` (call before the bot starts: it arrives in GUILD_CREATE).

        ``read_only``: nobody below the owner, the bot included, may send messages there.
        """
        channel_id = self.snowflake()
        guild.channels[channel_id] = name
        if read_only:
            guild.read_only.add(channel_id)
        return channel_id

    def channel_payload(self, guild: FakeGuild, channel_id: int) -> dict[str, Any]:
        return payloads.text_channel(guild, channel_id, guild.channels.get(channel_id, "news"))

    async def add_thread(self, guild: FakeGuild, owner: FakeUser, *, from_message: int | None = None) -> int:
        """Open a public thread in the guild's channel (started from a message: it takes that id)."""
        thread_id = from_message or self.snowflake()
        await self.dispatch("THREAD_CREATE", payloads.thread(guild, thread_id, owner.id, "discussion"))
        return thread_id

    def role_id(self, guild: FakeGuild, name: str) -> int:
        return next(rid for rid, rname in guild.roles.items() if rname == name)

    def add_attachment(self, name: str, data: bytes) -> dict[str, Any]:
        key = str(self.snowflake())
        self.attachments[key] = data
        url = f"{self.base}/attachments/{key}/{name}"
        return {
            "id": key,
            "filename": name,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": "text/plain; charset=utf-8",
        }

    # -- waiting on what the client does --------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], Any], seconds: float = 20.0) -> Any:
        async def _wait() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result

        return await asyncio.wait_for(_wait(), seconds)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def requests_to(self, method: str, fragment: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and fragment in r.path]

    def callbacks(self, interaction_id: int) -> list[Recorded]:
        return self.requests_to("POST", f"/interactions/{interaction_id}/")

    def followups(self, interaction_id: int) -> list[Recorded]:
        return self.requests_to("POST", f"/webhooks/{self.application_id}/tok-{interaction_id}")

    def token_requests(self, interaction_id: int) -> list[Recorded]:
        return [r for r in self.requests if f"tok-{interaction_id}" in r.path]

    # -- gateway --------------------------------------------------------------------------------

    async def _send(self, op: int, data: Any, event: str | None = None) -> None:
        assert self._ws is not None, "the client is not connected"
        seq = None
        if op == 0:
            self._seq += 1
            seq = self._seq
        await self._ws.send_str(json.dumps({"op": op, "d": data, "s": seq, "t": event}))

    async def dispatch(self, event: str, data: Any) -> None:
        await self._send(0, data, event)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await self._send(10, {"heartbeat_interval": self.heartbeat_interval_ms})
        async for msg in ws:
            payload = json.loads(msg.data)
            if payload["op"] == 1:
                self.heartbeats.append(time.monotonic())
                await self._send(11, None)
            elif payload["op"] == 2:
                await self._ready()
                self.identified.set()
        return ws

    async def _ready(self) -> None:
        await self.dispatch(
            "READY",
            {
                "v": 10,
                "user": self.bot.payload(bot=True),
                "session_id": "fake-session",
                "resume_gateway_url": str(self.gateway_url),
                "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
                "application": {"id": str(self.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "shard": [0, 1],
            },
        )
        for guild in self.guilds.values():
            await self.dispatch("GUILD_CREATE", payloads.guild_create(guild, self.bot))

    # -- pushing events -------------------------------------------------------------------------

    async def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        guild: FakeGuild | None,
        user: FakeUser,
        attachments: dict[str, dict[str, Any]] | None = None,
        autocomplete: str | None = None,
        subcommand: str | None = None,
        channels: dict[str, dict[str, Any]] | None = None,
    ) -> int:
        """Push an INTERACTION_CREATE for ``/name`` (or ``/name subcommand``); returns the interaction id.

        ``attachments`` maps option names to payloads from ``add_attachment``, ``channels`` to
        payloads from ``channel_payload``; ``autocomplete`` names the focused option and makes it
        an autocomplete interaction.
        """
        opts, resolved = payloads.command_options(options, attachments, autocomplete, subcommand, channels)
        data: dict[str, Any] = {"id": str(self.snowflake()), "name": name, "type": 1, "options": opts}
        if resolved:
            data["resolved"] = resolved
        return await self._push_command(data, guild, user, autocomplete=autocomplete is not None)

    async def message_command(self, name: str, message_id: int, *, guild: FakeGuild, user: FakeUser) -> int:
        """Push an INTERACTION_CREATE for the message context menu ``name`` on a message ``say`` sent."""
        data: dict[str, Any] = {
            "id": str(self.snowflake()),
            "name": name,
            "type": 3,
            "target_id": str(message_id),
            "resolved": {"messages": {str(message_id): self.messages[message_id]}},
        }
        return await self._push_command(data, guild, user)

    async def _push_command(
        self, data: dict[str, Any], guild: FakeGuild | None, user: FakeUser, *, autocomplete: bool = False
    ) -> int:
        interaction_id = self.snowflake()
        if guild is not None and str(guild.id) in self.commands:
            data["guild_id"] = str(guild.id)  # discord.py finds a guild command by data.guild_id
        payload = payloads.interaction(
            interaction_id,
            self.application_id,
            data,
            guild=guild,
            user=user,
            autocomplete=autocomplete,
            dm_channel_id=self.snowflake(),
            attachment_size_limit=self.attachment_size_limit,
        )
        self.interactions[interaction_id] = payload
        self.pushed_at[interaction_id] = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction_id

    async def say(
        self,
        guild: FakeGuild | None,
        user: FakeUser,
        content: str,
        *,
        mention_bot: bool = True,
        reply_to: int | None = None,
        channel_id: int | None = None,
        mention_roles: tuple[int, ...] = (),
        attachments: tuple[dict[str, Any], ...] = (),
        embeds: tuple[dict[str, Any], ...] = (),
    ) -> int:
        """Push a MESSAGE_CREATE from ``user`` (in the guild's channel, or a DM when ``guild`` is None).

        ``channel_id`` puts it in another channel or thread of the guild; ``mention_roles`` lists
        the role ids it mentions (as ``<@&id>`` in ``content``); ``attachments`` are payloads from
        ``add_attachment``; ``embeds`` are embed objects (``{"url": …, "title": …}``).
        """
        message_id = self.snowflake()
        channel_id = channel_id or (guild.channel_id if guild else self.snowflake())
        message = payloads.message(
            message_id,
            channel_id,
            user.payload(),
            content,
            type=19 if reply_to else 0,
            mentions=[self.bot.payload(bot=True)] if mention_bot else [],
            mention_roles=[str(r) for r in mention_roles],
            attachments=list(attachments),
            embeds=list(embeds),
        )
        if guild is not None:
            message["guild_id"] = str(guild.id)
            member = payloads.member(user)
            member.pop("user")
            message["member"] = member
        if reply_to is not None:
            message["message_reference"] = {
                "message_id": str(reply_to),
                "channel_id": str(channel_id),
                "type": 0,
            }
            if reply_to in self.messages:
                message["referenced_message"] = self.messages[reply_to]
        self.messages[message_id] = message
        await self.dispatch("MESSAGE_CREATE", message)
        return message_id

    async def edit(self, message_id: int, content: str) -> None:
        """Push a MESSAGE_UPDATE: the member changed the text of message ``message_id``."""
        message = self.messages[message_id]
        message["content"] = content
        message["edited_timestamp"] = "2026-01-01T00:00:00+00:00"
        await self.dispatch("MESSAGE_UPDATE", message)

    async def react(self, message_id: int, user: FakeUser, emoji: str, *, remove: bool = False) -> None:
        """Push a MESSAGE_REACTION_ADD (or _REMOVE) of ``emoji`` by ``user`` on message ``message_id``."""
        message = self.messages[message_id]
        data: dict[str, Any] = {
            "user_id": str(user.id),
            "channel_id": message["channel_id"],
            "message_id": str(message_id),
            "emoji": {"id": None, "name": emoji},
            "burst": False,
            "type": 0,
        }
        in_channel = [g for g in self.guilds.values() if str(g.channel_id) == message["channel_id"]]
        if "guild_id" in message or in_channel:  # the bot's own messages carry no guild id here
            data["guild_id"] = message.get("guild_id") or str(in_channel[0].id)
        if not remove:
            data["message_author_id"] = message["author"]["id"]
        await self.dispatch("MESSAGE_REACTION_REMOVE" if remove else "MESSAGE_REACTION_ADD", data)

    async def delete(self, message_id: int) -> None:
        """Push a MESSAGE_DELETE: message ``message_id`` was deleted by its author or a moderator."""
        message = self.messages.pop(message_id)
        data = {"id": str(message_id), "channel_id": message["channel_id"]}
        if "guild_id" in message:
            data["guild_id"] = message["guild_id"]
        await self.dispatch("MESSAGE_DELETE", data)

    # -- REST -----------------------------------------------------------------------------------

    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.attachments.get(request.match_info["key"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, headers={"Content-Type": "application/octet-stream"})

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        payload: Any = None
        files: dict[str, bytes] = {}
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            for key, value in form.items():
                if key == "payload_json":
                    payload = json.loads(str(value))
                elif hasattr(value, "file"):
                    files[key] = value.file.read()
        elif request.can_read_body:
            raw = await request.read()
            payload = json.loads(raw) if raw else None
        path = request.path[len(API) :]
        self.requests.append(
            Recorded(request.method, path, dict(request.query), payload, files, time.monotonic())
        )
        try:
            return self._route(request.method, path.strip("/").split("/"), payload)
        finally:
            await self._notify()

    def _route(self, method: str, parts: list[str], payload: Any) -> web.Response:
        match (method, parts):
            case ("GET", ["users", "@me"]):
                if self.reject_token:
                    return json_response({"message": "401: Unauthorized", "code": 0}, status=401)
                return json_response(self.bot.payload(bot=True))
            case ("GET", ["oauth2", "applications", "@me"]):
                return json_response(
                    {
                        "id": str(self.application_id),
                        "name": "Newsdesk",
                        "description": "",
                        "icon": None,
                        "bot_public": True,
                        "bot_require_code_grant": False,
                        "verify_key": "0" * 64,
                        "owner": self.bot.payload(),
                        "flags": 0,
                        "summary": "",
                        "team": None,
                        "rpc_origins": [],
                        "interactions_endpoint_url": None,
                    }
                )
            case ("PUT", ["applications", _, "commands"]):
                return json_response(self._sync("global", payload))
            case ("PUT", ["applications", _, "guilds", guild_id, "commands"]):
                return json_response(self._sync(guild_id, payload))
            case ("POST", ["interactions", interaction_id, _, "callback"]):
                return json_response(self._callback(int(interaction_id), payload))
            case ("POST", ["webhooks", _, _]):
                return json_response(self._message(payload, webhook=True))
            case ("PATCH", ["webhooks", _, _, "messages", _]):
                return json_response(self._message(payload, webhook=True))
            case ("DELETE", ["webhooks", _, _, "messages", _]):
                return web.Response(status=204)
            case ("POST", ["channels", channel_id, "typing"]):
                return web.Response(status=204)
            case ("POST", ["channels", channel_id, "messages"]):
                return json_response(self._message(payload, channel_id=int(channel_id)))
            case ("PATCH", ["channels", _, "messages", message_id]):
                if int(message_id) not in self.messages:
                    return json_response({"message": "Unknown Message", "code": 10008}, status=404)
                self.messages[int(message_id)]["content"] = (payload or {}).get("content") or ""
                return json_response(self.messages[int(message_id)])
            case ("DELETE", ["channels", _, "messages", message_id]):
                self.messages.pop(int(message_id), None)
                return web.Response(status=204)
        return json_response({"message": "404: Not Found (fake)", "code": 0}, status=404)

    def _sync(self, key: str, payload: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for command in payload:
            row = {
                "id": str(self.snowflake()),
                "application_id": str(self.application_id),
                "version": "1",
                "default_member_permissions": None,
                "type": 1,
                "description": "",  # what Discord returns for context menus, which send none
                **command,
            }
            if key != "global":
                row["guild_id"] = key
            out.append(row)
        self.commands[key] = out
        return out

    def _callback(self, interaction_id: int, payload: dict[str, Any]) -> dict[str, Any]:
        kind = payload["type"]
        flags = (payload.get("data") or {}).get("flags") or 0
        out: dict[str, Any] = {
            "interaction": {
                "id": str(interaction_id),
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(flags & EPHEMERAL),
            }
        }
        if kind == 4:
            message = self._message(payload.get("data") or {}, webhook=True)
            out["interaction"]["response_message_id"] = message["id"]
            out["resource"] = {"type": 4, "message": message}
        return out

    def _message(
        self, payload: dict[str, Any] | None, *, webhook: bool = False, channel_id: int | None = None
    ) -> dict[str, Any]:
        payload = payload or {}
        message_id = self.snowflake()
        channel = channel_id or (next(iter(self.guilds.values())).channel_id if self.guilds else 1)
        message = payloads.message(
            message_id,
            channel,
            self.bot.payload(bot=True),
            payload.get("content") or "",
            embeds=payload.get("embeds") or [],
            flags=payload.get("flags") or 0,
        )
        if webhook:
            message["webhook_id"] = str(self.application_id)
        self.messages[message_id] = message
        return message
