"""``/briefing on|off``: the server's newest stories, posted in a channel once a day at an hour of
the server's time zone."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.briefings import Briefing, Briefings, zone_names
from bot.cogs.ask import Ask
from bot.cogs.feeds import check_announce_channel
from bot.followups import Asked, Turn
from bot.permissions import manager_only
from bot.render_discord import CHOICES_LIMIT, NO_PINGS, answer_messages
from retrieval.service import Limits

if TYPE_CHECKING:
    from bot.discord_app import NewsdeskBot

log = logging.getLogger(__name__)

# How often the loop looks for briefings whose hour has come.
TICK_SECONDS = 60.0
# What a briefing asks: the news of the day before it.
BRIEFING_QUESTION = "What's new?"
BRIEFING_PERIOD = timedelta(days=1)


class DailyBriefing(commands.Cog, name="Briefing"):
    """A daily digest of the server's newest stories (Manage Server or a manager role)."""

    briefing = app_commands.Group(
        name="briefing", description="Post this server's newest stories in a channel once a day"
    )

    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot
        self.schedules = Briefings(bot.settings.data_dir / "briefings.sqlite3")

    async def cog_load(self) -> None:
        self.loop.start()

    async def cog_unload(self) -> None:
        self.loop.cancel()

    @briefing.command(name="on")
    @app_commands.describe(
        channel="Where to post the briefing",
        hour="Hour of the day to post it (0-23; default 8)",
        timezone="Time zone of that hour, like Europe/Paris (default UTC); start typing to pick one",
    )
    @manager_only()
    async def on(
        self,
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel,
        hour: app_commands.Range[int, 0, 23] = 8,
        timezone: app_commands.Range[str, 1, 64] = "UTC",
    ) -> None:
        """Post the stories of the past day here every day at this hour."""
        assert interaction.guild_id is not None  # noqa: S101 - manager_only refuses DMs
        check_announce_channel(channel, interaction.guild_id)
        now = datetime.now(UTC)
        done = await asyncio.to_thread(
            self.schedules.set, interaction.guild_id, channel.id, hour, now, timezone
        )
        first = "tomorrow" if done.last_posted == done.local(now).date() else "today"
        await interaction.response.send_message(
            f"Every day at {hour:02d}:00 {done.timezone}, starting {first}, I'll post the stories of "
            f"the past day in {channel.mention} (nothing on a day without news). Members can reply "
            'to it to ask about a story, like "summarize [2]". `/briefing off` stops it.',
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @on.autocomplete("timezone")
    async def timezone_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.strip().lower().replace(" ", "_")
        found = [z for z in zone_names() if wanted in z.lower()]
        return [app_commands.Choice(name=z, value=z) for z in found[:CHOICES_LIMIT]]

    @briefing.command(name="off")
    @manager_only()
    async def off(self, interaction: discord.Interaction[Any]) -> None:
        """Stop the daily briefing."""
        assert interaction.guild_id is not None  # noqa: S101 - manager_only refuses DMs
        gone = await asyncio.to_thread(self.schedules.remove, interaction.guild_id)
        text = (
            f"The daily briefing in <#{gone.channel_id}> is off." if gone else "There was no daily briefing."
        )
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @tasks.loop(seconds=TICK_SECONDS)
    async def loop(self) -> None:
        try:
            await self.post_due(datetime.now(UTC))
        except Exception:  # a store outage must not stop the loop; a due briefing is retried next tick
            log.exception("briefing failed")

    @loop.before_loop
    async def _wait_until_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def post_due(self, now: datetime) -> int:
        """Post every briefing of this bot's servers whose hour has come today; returns how many
        were posted. Each is claimed first, so two processes sharing the data directory never
        post one twice; a post that fails for a passing reason (the store or Discord down) gives
        its claim back and is tried again at the next check."""
        posted = 0
        for briefing in await asyncio.to_thread(self.schedules.due, now):
            if self.bot.get_guild(briefing.guild_id) is None:  # another bot's server
                continue
            day = briefing.local(now).date()
            if not await asyncio.to_thread(self.schedules.claim, briefing.guild_id, day):
                continue
            try:
                done = await self.post(briefing, now)
            except Exception:
                await asyncio.to_thread(self.schedules.release, briefing, day)
                raise
            if done is None:
                await asyncio.to_thread(self.schedules.release, briefing, day)
            elif done:
                posted += 1
        return posted

    async def post(self, briefing: Briefing, now: datetime) -> bool | None:
        """Post one briefing: the newest stories of the day before ``now``, if there are any.
        ``True`` when posted, ``False`` when there was nothing to post or nowhere to post it
        (the channel is gone, or the bot may not write there), ``None`` when Discord failed."""
        channel = self.bot.get_channel(briefing.channel_id)
        if not isinstance(channel, discord.TextChannel) or channel.guild.id != briefing.guild_id:
            log.warning("briefing channel %s of guild %s is gone", briefing.channel_id, briefing.guild_id)
            return False
        since = Limits(since=now - BRIEFING_PERIOD)
        answer = await self.bot.newsroom.ask(
            BRIEFING_QUESTION, namespace=str(briefing.guild_id), as_of=now, limits=since
        )
        if not answer.citations:  # no news today: nothing to post
            return False
        texts = answer_messages(answer)
        texts[0] = f"**Daily briefing, {briefing.local(now):%Y-%m-%d}**\n{texts[0]}"
        sent = []
        for text in texts:
            try:
                sent.append(await channel.send(text, allowed_mentions=NO_PINGS))
            except discord.HTTPException as exc:
                log.warning("could not post the briefing in channel %s", channel.id, exc_info=True)
                if sent:  # half a briefing is out: never post it twice
                    return True
                return False if isinstance(exc, discord.Forbidden | discord.NotFound) else None
        asker = self.bot.get_cog("Ask")
        if isinstance(asker, Ask):  # a reply to the briefing ("summarize [2]") follows up on it
            await asker.remember([m.id for m in sent], Asked.of(Turn(BRIEFING_QUESTION), answer))
        log.info("briefing guild=%s listed=%d", briefing.guild_id, len(answer.citations))
        return True


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(DailyBriefing(bot))
