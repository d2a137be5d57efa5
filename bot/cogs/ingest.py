"""``/ingest``: add an article to the server's library from a link or an attached file."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import namespace_for
from bot.permissions import Refusal, manager_only
from bot.render_discord import NO_PINGS, ingest_message
from ingest.loaders import TEXT_SUFFIXES

if TYPE_CHECKING:
    from bot.discord_app import NewsdeskBot

log = logging.getLogger(__name__)

# What the loaders read (text, Markdown, HTML, JSON/JSONL, PDF).
FILE_SUFFIXES = tuple(sorted(TEXT_SUFFIXES))


def check_attachment(name: str, size: int, max_bytes: int) -> None:
    """Refuse, with a reason, a file that is too large or of a kind that is not an article."""
    if Path(name).suffix.lower() not in FILE_SUFFIXES:
        raise Refusal(f"{name}: not an article file; send text, Markdown, HTML, JSON/JSONL or PDF.")
    if size > max_bytes:
        raise Refusal(f"{name} is too large ({size / 1e6:.1f} MB); the limit is {max_bytes / 1e6:.0f} MB.")


class Ingest(commands.Cog):
    """Feeding articles to the server's library (Manage Server or a manager role)."""

    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot

    @app_commands.command(name="ingest")
    @app_commands.describe(
        url="Link to a news article (or up to 10, separated by spaces)",
        file="An article file: text, Markdown, HTML, JSON/JSONL or PDF",
    )
    @manager_only()
    async def ingest(
        self,
        interaction: discord.Interaction[Any],
        url: str | None = None,
        file: discord.Attachment | None = None,
    ) -> None:
        """Add an article to this server's library from a link or a file."""
        namespace = namespace_for(interaction.guild_id)
        if (url is None) == (file is None):
            raise Refusal("Give either a url or a file (one of them).")
        newsroom = self.bot.newsroom
        if file is not None:
            check_attachment(file.filename, file.size, newsroom.attachment_max_bytes)
        await interaction.response.defer(thinking=True)
        if file is not None:
            data = await file.read()
            report = await newsroom.ingest_bytes(data, file.filename, namespace=namespace)
        else:
            report = await newsroom.ingest_urls(str(url).split(), namespace=namespace)
        await interaction.followup.send(ingest_message(report), allowed_mentions=NO_PINGS)
        log.info(
            "ingest guild=%s user=%s added=%d skipped=%d errors=%d",
            namespace,
            interaction.user.id,
            report.articles_added,
            report.articles_skipped,
            len(report.errors),
        )


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Ingest(bot))
