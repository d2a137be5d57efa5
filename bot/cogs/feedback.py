"""Votes on answers: a member's 👍 or 👎 on one of the bot's answers is kept, and ``/feedback``
shows managers the answers voted down most, each linked, to see what the bot gets wrong."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.ask import Ask
from bot.feedback import DOWN, UP, VOTES, Feedback
from bot.permissions import manager_only
from bot.render_discord import NO_PINGS, embed, shorten

if TYPE_CHECKING:
    from bot.discord_app import NewsdeskBot

log = logging.getLogger(__name__)

SHOWN = 15  # answers /feedback lists
NO_VOTES = f"No votes yet: members react {UP} or {DOWN} to an answer to rate it."
_SKIN_TONE = re.compile("[\U0001f3fb-\U0001f3ff]")


def vote_of(emoji: discord.PartialEmoji) -> int | None:
    """1 for 👍, -1 for 👎 (in any skin tone), ``None`` for any other reaction."""
    return VOTES.get(_SKIN_TONE.sub("", str(emoji))) if emoji.is_unicode_emoji() else None


class Votes(commands.Cog):
    """👍 and 👎 on answers, and what they say."""

    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot
        self.feedback = Feedback.in_folder(bot.settings.data_dir)
        # one vote at a time, in the order Discord sent them: a reaction taken back at once must
        # not be written before it was added
        self._in_order = asyncio.Lock()

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """Keep a vote on one of the bot's answers (not on its other messages, nor anyone else's)."""
        me = self.bot.user
        vote = vote_of(payload.emoji)
        if vote is None or me is None or payload.guild_id is None or payload.user_id == me.id:
            return
        asker = self.bot.get_cog("Ask")
        if payload.message_author_id != me.id or not isinstance(asker, Ask):
            return
        async with self._in_order:
            await self._vote(payload, vote, asker)

    async def _vote(self, payload: discord.RawReactionActionEvent, vote: int, asker: Ask) -> None:
        asked = await asker.previous_question(payload.message_id)
        if asked is None or payload.guild_id is None:  # a help card, a refusal: not an answer
            return
        try:
            await asyncio.to_thread(
                self.feedback.vote,
                payload.message_id,
                payload.user_id,
                vote,
                payload.guild_id,
                payload.channel_id,
                asked.query,
            )
        except (sqlite3.Error, OSError):
            log.warning("could not keep a vote", exc_info=True)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        """A reaction taken back takes its vote back."""
        vote = vote_of(payload.emoji)
        if vote is None or payload.guild_id is None:
            return
        async with self._in_order:
            try:
                await asyncio.to_thread(self.feedback.unvote, payload.message_id, payload.user_id, vote)
            except (sqlite3.Error, OSError):
                log.warning("could not take a vote back", exc_info=True)

    @app_commands.command(name="feedback")
    @manager_only()
    async def feedback_command(self, interaction: discord.Interaction[Any]) -> None:
        """The answers members here voted down most, to see what the bot gets wrong."""
        await interaction.response.defer(thinking=True, ephemeral=True)
        rated = await asyncio.to_thread(self.feedback.rated, interaction.guild_id, SHOWN)
        lines = [
            f"{DOWN} {r.down} · {UP} {r.up} · {r.last:%Y-%m-%d} · "
            f"[{discord.utils.escape_markdown(shorten(r.question, 150))}]({r.link})"
            for r in rated
        ]
        card = embed("Answers members rated, most voted down first", "\n".join(lines) or NO_VOTES)
        await interaction.followup.send(embed=card, ephemeral=True, allowed_mentions=NO_PINGS)


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Votes(bot))
