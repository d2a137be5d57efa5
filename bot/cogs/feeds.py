"""``/feed add|list|remove`` and the background poll that ingests new feed entries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.discord_app import namespace_for
from bot.permissions import Refusal, manager_only
from bot.render_discord import CHOICES_LIMIT, NO_PINGS, TITLE_LIMIT, shorten, split_text
from bot.render_text import counted
from ingest.feeds import FeedPoller, PollResult, feed_origin
from ingest.subscriptions import Feed
from retrieval.fragments import web_link

if TYPE_CHECKING:
    from bot.discord_app import NewsdeskBot

log = logging.getLogger(__name__)

# How often the loop looks for due feeds; each feed's own interval comes from the settings.
TICK_SECONDS = 60.0
MAX_LISTED = 25


def new_entry_lines(results: Sequence[PollResult], guild_id: int) -> list[str]:
    """``new: <title> — <link>`` for articles a poll added to this guild's library (never another's)."""
    lines = []
    for result in results:
        if result.feed.namespace != str(guild_id):
            continue
        for title, url in result.added:
            line = f"new: {discord.utils.escape_markdown(shorten(title, TITLE_LIMIT))}"
            if link := web_link(url):
                line += f" — <{link}>"  # angle brackets: no preview card per entry
            lines.append(line)
    return lines


def announcement_targets(results: Sequence[PollResult], fallback: int | None) -> dict[int, list[PollResult]]:
    """Results with new articles by the channel to announce them in: the feed's own, else ``fallback``."""
    targets: dict[int, list[PollResult]] = {}
    for result in results:
        channel_id = result.feed.channel_id or fallback
        if result.added and channel_id is not None:
            targets.setdefault(channel_id, []).append(result)
    return targets


def check_announce_channel(channel: discord.TextChannel, guild_id: int | None) -> None:
    """Refuse a channel of another server, or one the bot cannot post in."""
    me = channel.guild.me
    if channel.guild.id != guild_id:
        raise Refusal("Pick a channel of this server.")
    if me is None or not channel.permissions_for(me).send_messages:
        raise Refusal(f"I can't post in {channel.mention}: allow me to send messages there, or pick another.")


def feed_line(feed: Feed) -> str:
    """One subscription for ``/feed list``."""
    name = discord.utils.escape_markdown(shorten(feed.title or "(untitled)", TITLE_LIMIT))
    state = f" — failing ({feed.failures}×), next try <t:{int(feed.next_poll_at.timestamp())}:R>"
    return f"**{name}** <{feed.url}>" + (state if feed.failures else "")


class Feeds(commands.Cog):
    """RSS/Atom feeds polled into the server's library (Manage Server or a manager role)."""

    feed = app_commands.Group(name="feed", description="RSS/Atom feeds polled into this server's library")

    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot
        self.poll_loop.change_interval(seconds=min(TICK_SECONDS, bot.settings.feed_poll_minutes * 60))

    @property
    def poller(self) -> FeedPoller:
        if self.bot.newsroom.feeds is None:
            raise Refusal("Feeds are not set up on this bot.")
        return self.bot.newsroom.feeds

    async def cog_load(self) -> None:
        if self.bot.newsroom.feeds is not None:
            self.poll_loop.start()

    async def cog_unload(self) -> None:
        self.poll_loop.cancel()

    @feed.command(name="add")
    @app_commands.describe(
        url="Link to an RSS or Atom feed", channel="Channel where its new articles are announced"
    )
    @manager_only()
    async def add(
        self, interaction: discord.Interaction[Any], url: str, channel: discord.TextChannel | None = None
    ) -> None:
        """Subscribe this server to a news feed; its new articles are added as they appear."""
        namespace = namespace_for(interaction.guild_id)
        if channel is not None:
            check_announce_channel(channel, interaction.guild_id)
        await interaction.response.defer(thinking=True, ephemeral=True)
        feed = await asyncio.to_thread(self._subscribe, url.strip(), namespace, channel)
        minutes = self.bot.settings.feed_poll_minutes
        name = discord.utils.escape_markdown(shorten(feed.title or feed.url, TITLE_LIMIT))
        where = f" New articles are announced in {channel.mention}." if channel else ""
        await interaction.followup.send(
            f"Subscribed to **{name}**: its articles are added within a minute, "
            f"then it is checked every {minutes:g} minutes.{where}",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    def _subscribe(self, url: str, namespace: str, channel: discord.TextChannel | None) -> Feed:
        feed = self.poller.subscribe(url, namespace)
        if channel is not None:
            feed = self.poller.registry.set_channel(feed.url, namespace, channel.id)
        return feed

    @feed.command(name="list")
    @manager_only()
    async def list_feeds(self, interaction: discord.Interaction[Any]) -> None:
        """The feeds this server is subscribed to."""
        namespace = namespace_for(interaction.guild_id)
        feeds = await asyncio.to_thread(self.poller.registry.feeds, namespace)
        if not feeds:
            text = "This server follows no feeds yet. Add one with /feed add."
        else:
            lines = [feed_line(f) for f in feeds[:MAX_LISTED]]
            if len(feeds) > MAX_LISTED:
                lines.append(f"… and {len(feeds) - MAX_LISTED} more")
            text = split_text("\n".join(lines))[0]
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @feed.command(name="remove")
    @app_commands.describe(
        url="The feed's link, as /feed list shows it",
        forget="Also remove the articles it added (a feed that turned out to be spam)",
    )
    @manager_only()
    async def remove(self, interaction: discord.Interaction[Any], url: str, forget: bool = False) -> None:
        """Stop following a feed (the articles it added stay, unless you forget them too)."""
        namespace = namespace_for(interaction.guild_id)
        await interaction.response.defer(thinking=True, ephemeral=True)
        stored = await asyncio.to_thread(self.poller.unsubscribe, url.strip(), namespace)
        text = f"No longer following <{url.strip()}>."
        if forget:
            copies, broken = await self.bot.newsroom.forget_added_by(feed_origin(stored), namespace)
            text += f" Removed the {counted(len(copies) + len(broken), 'article')} it added."
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @remove.autocomplete("url")
    async def remove_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None or self.bot.newsroom.feeds is None:
            return []
        feeds = await asyncio.to_thread(self.bot.newsroom.feeds.registry.feeds, str(interaction.guild_id))
        return [
            app_commands.Choice(name=shorten(f.title or f.url, 100), value=f.url[:100])
            for f in feeds
            if current.lower() in f.url.lower() or current.lower() in (f.title or "").lower()
        ][:CHOICES_LIMIT]

    @tasks.loop(seconds=TICK_SECONDS)
    async def poll_loop(self) -> None:
        try:
            results = await asyncio.to_thread(self.poller.poll_due)
        except Exception:  # a store outage must not stop the loop; due feeds are retried next tick
            log.exception("feed poll failed")
            return
        if results:
            await self.announce(results)

    @poll_loop.before_loop
    async def _wait_until_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def announce(self, results: Sequence[PollResult]) -> None:
        """Post ``new: <title>`` lines to each feed's channel (else the configured one), same guild only."""
        for channel_id, group in announcement_targets(results, self.bot.settings.feed_channel_id).items():
            channel = self.bot.get_channel(channel_id)
            if not isinstance(channel, discord.TextChannel):
                log.warning("feed channel %s is not a text channel the bot can see", channel_id)
                continue
            lines = new_entry_lines(group, channel.guild.id)
            for part in split_text("\n".join(lines)) if lines else []:
                try:
                    await channel.send(part, allowed_mentions=NO_PINGS)
                except discord.HTTPException:
                    log.warning("could not post feed news to channel %s", channel_id, exc_info=True)
                    break


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Feeds(bot))
