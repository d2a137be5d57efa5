"""The Discord client: loads one cog per feature, syncs slash commands, turns errors into short replies."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.cooldown import Cooldown
from bot.newsroom import Newsroom
from bot.permissions import GUILD_ONLY_MESSAGE, GuildOnly, Refusal
from bot.render_discord import NO_PINGS, shorten
from bot.settings import Settings
from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)

# The bot speaks only in text: discord.py's start-up warnings that voice libraries are missing
# would be the first thing every operator reads.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False

# Cogs loaded at start, one feature per module.
COGS: tuple[str, ...] = (
    "bot.cogs.ask",
    "bot.cogs.ingest",
    "bot.cogs.sources",
    "bot.cogs.info",
    "bot.cogs.briefing",
    "bot.cogs.feedback",
)
# Cogs loaded only when their module exists (features that land separately plug in here).
OPTIONAL_COGS: tuple[str, ...] = ("bot.cogs.feeds",)

APOLOGY = "Sorry, something went wrong on our side. It has been logged; please try again later."


def cog_modules() -> tuple[str, ...]:
    """Every cog module to load: the core ones and the optional ones that are installed."""
    return COGS + tuple(name for name in OPTIONAL_COGS if importlib.util.find_spec(name) is not None)


def bot_intents() -> discord.Intents:
    """Guilds (channels, roles), guild and DM message events, reactions; no privileged intent.

    Without the message-content intent Discord still delivers the content of messages that
    mention the bot (a reply that keeps its ping mentions it) and of DMs, which is all it reads.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.guild_reactions = True  # 👍 and 👎 on answers
    return intents


def one_line(error: BaseException) -> str:
    """A user-safe error (``NewsdeskError`` or ``Refusal``) as one short line."""
    return shorten(" ".join(str(error).split()), 300) or APOLOGY


def namespace_for(guild_id: int | None) -> str:
    """A server's corpus is named by its id; direct messages have none and are refused."""
    if guild_id is None:
        raise GuildOnly(GUILD_ONLY_MESSAGE)
    return str(guild_id)


class NewsdeskBot(commands.Bot):
    """The Discord front end; cogs reach the services through ``bot.newsroom`` and ``bot.settings``."""

    def __init__(self, settings: Settings, newsroom: Newsroom, **options: Any) -> None:
        options.setdefault("intents", bot_intents())
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            allowed_mentions=NO_PINGS,
            **options,
        )
        self.settings = settings
        self.newsroom = newsroom
        self.cooldown = Cooldown(settings.ask_cooldown_seconds)
        self.tree.error(self.on_app_command_error)
        self._warming: asyncio.Task[None] | None = None
        self._refreshing: asyncio.Task[None] | None = None

    async def setup_hook(self) -> None:
        for name in cog_modules():
            await self.load_extension(name)
            log.info("loaded cog %s", name)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Sync to the configured guilds (instant) or globally (may take a while to show)."""
        if not self.settings.guild_ids:
            synced = await self.tree.sync()
            log.info("synced %d global commands", len(synced))
            return
        for guild_id in self.settings.guild_ids:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), guild_id)

    async def on_ready(self) -> None:
        user_id = self.user.id if self.user else None
        log.info("connected as %s (id %s) to %d guilds", self.user, user_id, len(self.guilds))
        if self._warming is None or self._warming.done():
            self._warming = asyncio.create_task(self._warm([str(g.id) for g in self.guilds]))
        every = self.settings.index_refresh_seconds
        if every > 0 and (self._refreshing is None or self._refreshing.done()):
            self._refreshing = asyncio.create_task(self._keep_fresh(every))

    async def _warm(self, namespaces: list[str]) -> None:
        """Build the servers' search indexes in the background, so no first question waits."""
        try:
            warmed = await self.newsroom.warm(namespaces)
        except Exception as exc:  # e.g. the store is down: questions will say so themselves
            log.warning("could not prepare the search indexes: %s", exc)
            return
        log.info("search indexes ready for %d servers", len(warmed))

    async def _keep_fresh(self, every: float) -> None:
        """Catch the search indexes up with articles other processes add, between questions.

        A terminal ``newsdesk ingest`` or a second bot writing to the same store changes it
        behind this process's back; each question would notice and catch up, but after a bulk
        ingest the first one would wait seconds for it. One fingerprint read per server every
        ``every`` seconds moves that work off the question's path.
        """
        if self._warming is not None:
            await asyncio.wait({self._warming})
        while not self.is_closed():
            await asyncio.sleep(every)
            try:
                await self.newsroom.warm([str(g.id) for g in self.guilds])
            except Exception as exc:  # the store is down: retried next round, questions say so
                log.warning("could not refresh the search indexes: %s", exc)

    async def close(self) -> None:
        if self._refreshing is not None:
            self._refreshing.cancel()
        await super().close()

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: mentions and replies are handled by the ask cog's listener."""

    async def on_app_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """Errors users can act on become one ephemeral line; anything else is logged, with an apology."""
        original: BaseException = error
        if isinstance(error, app_commands.CommandInvokeError):
            original = error.original
        name = interaction.command.qualified_name if interaction.command else "?"
        where = (name, interaction.guild_id, interaction.user.id)
        if isinstance(original, Refusal | NewsdeskError):
            message = one_line(original)
            log.info("command=%s guild=%s user=%s refused: %s", *where, message)
        elif isinstance(original, app_commands.CheckFailure):
            message = "You can't use that command here."
            log.info("command=%s guild=%s user=%s failed a check: %r", *where, original)
        else:
            message = APOLOGY
            log.error("command=%s guild=%s user=%s failed", *where, exc_info=original)
        if interaction.type is discord.InteractionType.autocomplete:
            return
        await send_ephemeral(interaction, message)


async def send_ephemeral(interaction: discord.Interaction[Any], message: str) -> None:
    """Tell only the user; a public 'thinking…' placeholder is removed first so the line stays private."""
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        with contextlib.suppress(discord.HTTPException):
            await interaction.delete_original_response()
        await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.warning("could not tell user %s about an error", interaction.user.id, exc_info=True)


def run_bot(settings: Settings, newsroom: Newsroom) -> int:
    """Run until interrupted; the token comes from ``settings`` and is never logged."""
    if settings.discord_token is None:
        raise NewsdeskError("DISCORD_TOKEN is not set: put the bot token in the environment or in .env")
    bot = NewsdeskBot(settings, newsroom)
    try:
        bot.run(settings.discord_token.get_secret_value(), log_handler=None)
    except discord.LoginFailure:
        raise NewsdeskError("Discord rejected DISCORD_TOKEN: check the bot token") from None
    except discord.PrivilegedIntentsRequired:
        raise NewsdeskError("Discord refused the gateway intents requested") from None
    except (aiohttp.ClientError, OSError) as exc:  # DNS, refused connection, TLS: no traceback
        raise NewsdeskError(f"cannot reach Discord: {exc}") from None
    return 0
