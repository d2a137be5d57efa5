"""Who may change a server's articles: Manage Server, or a role named in the configuration."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any, TypeVar

import discord
from discord import app_commands

T = TypeVar("T")


class Refusal(app_commands.CheckFailure):
    """A check said no; ``str()`` is a short sentence safe to show the user."""


class NotManager(Refusal):
    """The member may not ingest or forget articles here."""


class GuildOnly(Refusal):
    """The command was used in a direct message."""


GUILD_ONLY_MESSAGE = (
    "Newsdesk works inside servers only: each server has its own articles. Ask me in a server channel."
)


def is_manager(
    permissions: discord.Permissions, roles: Iterable[tuple[int, str]], manager_roles: Collection[str]
) -> bool:
    """True for Manage Server (or Administrator) or a role whose id or name is in ``manager_roles``.

    Role names compare case-insensitively; ids compare as strings.
    """
    if permissions.manage_guild or permissions.administrator:
        return True
    wanted = {r.strip().casefold() for r in manager_roles if r.strip()}
    return any(str(role_id) in wanted or name.casefold() in wanted for role_id, name in roles)


def member_roles(user: discord.abc.User) -> list[tuple[int, str]]:
    """``(id, name)`` of a member's roles (none for a plain user)."""
    if isinstance(user, discord.Member):
        return [(role.id, role.name) for role in user.roles if not role.is_default()]
    return []


def manager_only() -> Callable[[T], T]:
    """App-command check: only managers (see ``is_manager``) may run the command."""

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        if interaction.guild_id is None:
            raise GuildOnly(GUILD_ONLY_MESSAGE)
        settings = interaction.client.settings  # NewsdeskBot carries its settings
        if is_manager(interaction.permissions, member_roles(interaction.user), settings.manager_roles):
            return True
        roles = ", ".join(settings.manager_roles)
        extra = f" or one of these roles: {roles}" if roles else ""
        raise NotManager(f"Only members with the Manage Server permission{extra} can do that.")

    return app_commands.check(predicate)
