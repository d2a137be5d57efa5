"""Discord gateway and REST objects as discord.py 2.7 parses them (for the loopback fake).

Each builder returns the smallest payload the client accepts: members need ``flags``, users
``avatar``, text channels ``position``, messages ``id``/``type``/``content``/``channel_id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1420070400000
MANAGE_GUILD = 1 << 5
SEND_MESSAGES = 1 << 11
MEMBER_PERMISSIONS = (1 << 10) | SEND_MESSAGES | (1 << 31)  # view channel, send, use app commands
EPHEMERAL = 1 << 6

# Application command option types by Python type (3 string, 4 integer, 5 boolean; 11 attachment)
OPTION_TYPES = {str: 3, int: 4, bool: 5}
USER_OPTION = 6
CHANNEL_OPTION = 7
ATTACHMENT_OPTION = 11
SUBCOMMAND_OPTION = 1


@dataclass
class FakeGuild:
    id: int
    name: str
    channel_id: int
    roles: dict[int, str] = field(default_factory=dict)
    bot_role_id: int = 0  # the role Discord manages for the bot (0: none)
    channels: dict[int, str] = field(default_factory=dict)  # more text channels: id -> name
    read_only: set[int] = field(default_factory=set)  # channels where @everyone may not send


@dataclass
class FakeUser:
    id: int
    name: str
    permissions: int = MEMBER_PERMISSIONS
    roles: list[int] = field(default_factory=list)

    def payload(self, bot: bool = False) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.name,
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
        }


def now() -> str:
    return datetime.now(UTC).isoformat()


def member(user: FakeUser, bot: bool = False) -> dict[str, Any]:
    return {
        "user": user.payload(bot=bot),
        "roles": [str(r) for r in user.roles],
        "joined_at": now(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
        "avatar": None,
        "permissions": str(user.permissions),
    }


def text_channel(guild: FakeGuild, channel_id: int | None = None, name: str = "news") -> dict[str, Any]:
    channel_id = channel_id or guild.channel_id
    overwrites = []
    if channel_id in guild.read_only:
        overwrites.append({"id": str(guild.id), "type": 0, "allow": "0", "deny": str(SEND_MESSAGES)})
    return {
        "id": str(channel_id),
        "type": 0,
        "name": name,
        "position": 0,
        "permission_overwrites": overwrites,
        "guild_id": str(guild.id),
        "nsfw": False,
    }


def guild_create(guild: FakeGuild, bot_user: FakeUser) -> dict[str, Any]:
    """GUILD_CREATE: the guild, its @everyone and named roles, one text channel, the bot as member."""
    roles = [{"id": str(guild.id), "name": "@everyone"}]
    roles += [{"id": str(rid), "name": name} for rid, name in guild.roles.items()]
    if guild.bot_role_id:
        tags = {"bot_id": str(bot_user.id)}
        roles.append({"id": str(guild.bot_role_id), "name": bot_user.name, "tags": tags})
    for position, role in enumerate(roles):
        role.update(
            {
                "permissions": str(MEMBER_PERMISSIONS),
                "position": position,
                "color": 0,
                "hoist": False,
                "managed": "tags" in role,
                "mentionable": False,
                "flags": 0,
            }
        )
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "owner_id": "1",
        "unavailable": False,
        "member_count": 2,
        "large": False,
        "features": [],
        "emojis": [],
        "stickers": [],
        "roles": roles,
        "channels": [text_channel(guild), *(text_channel(guild, i, n) for i, n in guild.channels.items())],
        "members": [member(bot_user, bot=True)],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "joined_at": now(),
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "premium_tier": 0,
        "preferred_locale": "en-US",
    }


def thread(guild: FakeGuild, thread_id: int, owner_id: int, name: str) -> dict[str, Any]:
    """A public thread under the guild's main channel (THREAD_CREATE)."""
    return {
        "id": str(thread_id),
        "guild_id": str(guild.id),
        "parent_id": str(guild.channel_id),
        "owner_id": str(owner_id),
        "name": name,
        "type": 11,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": now(),
            "locked": False,
        },
        "newly_created": True,
    }


def message(
    message_id: int, channel_id: int, author: dict[str, Any], content: str, **extra: Any
) -> dict[str, Any]:
    """A message object; ``extra`` adds or overrides fields (guild_id, member, mentions, ...)."""
    out: dict[str, Any] = {
        "id": str(message_id),
        "type": 0,
        "content": content,
        "channel_id": str(channel_id),
        "author": author,
        "attachments": [],
        "embeds": [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": now(),
        "edited_timestamp": None,
        "flags": 0,
        "components": [],
    }
    out.update(extra)
    return out


def command_options(
    options: dict[str, Any] | None,
    attachments: dict[str, dict[str, Any]] | None,
    autocomplete: str | None,
    subcommand: str | None,
    channels: dict[str, dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``(options, resolved)`` of an application command interaction's ``data``; a
    :class:`FakeUser` value is a member option."""
    opts: list[dict[str, Any]] = []
    resolved: dict[str, Any] = {}
    for key, value in (options or {}).items():
        if isinstance(value, FakeUser):
            opts.append({"name": key, "type": USER_OPTION, "value": str(value.id)})
            resolved.setdefault("users", {})[str(value.id)] = value.payload()
            resolved.setdefault("members", {})[str(value.id)] = {
                k: v for k, v in member(value).items() if k != "user"
            }
            continue
        opt = {"name": key, "type": OPTION_TYPES[type(value)], "value": value}
        if key == autocomplete:
            opt["focused"] = True
        opts.append(opt)
    for key, att in (attachments or {}).items():
        opts.append({"name": key, "type": ATTACHMENT_OPTION, "value": att["id"]})
        resolved.setdefault("attachments", {})[att["id"]] = att
    for key, channel in (channels or {}).items():  # payloads from text_channel()
        opts.append({"name": key, "type": CHANNEL_OPTION, "value": channel["id"]})
        resolved_channel = {**channel, "permissions": str(MEMBER_PERMISSIONS)}
        resolved.setdefault("channels", {})[channel["id"]] = resolved_channel
    if subcommand is not None:
        opts = [{"name": subcommand, "type": SUBCOMMAND_OPTION, "options": opts}]
    return opts, resolved


def interaction(
    interaction_id: int,
    application_id: int,
    data: dict[str, Any],
    *,
    guild: FakeGuild | None,
    user: FakeUser,
    autocomplete: bool,
    dm_channel_id: int,
    attachment_size_limit: int = 25 * 1024 * 1024,
) -> dict[str, Any]:
    """INTERACTION_CREATE for a command (or its autocomplete) in a guild channel or a DM."""
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": 4 if autocomplete else 2,
        "token": f"tok-{interaction_id}",
        "version": 1,
        "data": data,
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": attachment_size_limit,
        "app_permissions": str(MEMBER_PERMISSIONS),
    }
    if guild is not None:
        payload.update(
            {
                "guild_id": str(guild.id),
                "guild_locale": "en-US",
                "context": 0,
                "authorizing_integration_owners": {"0": str(guild.id)},
                "member": member(user),
                "channel_id": str(guild.channel_id),
                "channel": text_channel(guild),
            }
        )
    else:
        payload.update(
            {
                "user": user.payload(),
                "context": 1,
                "channel_id": str(dm_channel_id),
                "authorizing_integration_owners": {"0": str(user.id)},
                "channel": {"id": str(dm_channel_id), "type": 1, "recipients": [user.payload()]},
            }
        )
    return payload
