"""``/stats`` and ``/help``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import namespace_for
from bot.render_discord import NO_PINGS, embed
from bot.render_text import library_summary

if TYPE_CHECKING:
    from bot.discord_app import NewsdeskBot

HELP = """\
**/ask** `question` — an answer quoted from this server's articles, with numbered sources. \
Set `private` to see it alone; `since`, `until`, `outlet` or `article` narrow where it looks. \
"What's new?" lists the newest stories; "summarize" with `article` sums one up; \
"timeline of the ferry dispute" lists a story's articles oldest first, \
"how did the outlets cover the ferry vote?" each outlet's take.
**@mention** me with a question, or **reply** to one of my answers to follow up on it \
(a question like "when did they meet?" right after yours follows it up too). \
"Summarize [2]" or "what does [2] say about the cost?" asks that source's article alone.
React 👍 or 👎 to an answer to rate it; managers see the ratings with **/feedback**.
**Find sources** (right-click a message, then Apps) — what the articles here say about that \
message's claim, shown to you alone.
**/sources** `[query] [since] [until] [added_by]` — the newest articles here, or those matching \
your words, period or who added them.
**/article** `article` — read one article in full, to see a quote in its context.
**/stats** — what this server holds: articles, outlets, the dates they span.
**/ingest** `url` or `file` — add an article (Manage Server or a manager role).
**Add to library** (right-click a message, then Apps) — add the articles it links to or carries as \
files (Manage Server or a manager role).
**/forget** `article` or `added_by` — remove an article, or all a member added (Manage Server or \
a manager role).
**/export** — the whole library as a file that /ingest reads back (Manage Server or a manager role).
**/briefing on** `channel` `[hour]` `[timezone]` — post the past day's stories there every day \
(Manage Server or a manager role).

Each server has its own library: nothing added here shows up anywhere else. \
Every quote is copied verbatim from a stored article."""


class Info(commands.Cog):
    """Counts and help."""

    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot

    @app_commands.command(name="stats")
    async def stats(self, interaction: discord.Interaction[Any]) -> None:
        """What this server's library holds: articles, outlets, the dates they span, passages."""
        namespace = namespace_for(interaction.guild_id)
        await interaction.response.defer(thinking=True, ephemeral=True)
        stats = await self.bot.newsroom.stats(namespace)
        row = stats["namespaces"].get(namespace, {"articles": 0, "chunks": 0})
        await interaction.followup.send(
            f"This server's library: {library_summary(row)}.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        """What Newsdesk can do and how to ask it."""
        await interaction.response.send_message(
            embed=embed("Newsdesk", HELP), ephemeral=True, allowed_mentions=NO_PINGS
        )


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Info(bot))
