"""The server's library: ``/sources`` lists it, ``/article`` shows one article in full, ``/forget``
removes one (both autocomplete) and ``/export`` hands managers all of it as a file ``/ingest``
reads back."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import namespace_for
from bot.library import discord_origin, export_lines, matching, parse_day, published_day, selection_label
from bot.permissions import Refusal, manager_only
from bot.render_discord import (
    CHOICES_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    NO_PINGS,
    articles_description,
    embed,
    shorten,
)
from bot.render_text import added_line, counted
from retrieval.citations import outlet_and_day
from retrieval.fragments import web_link
from retrieval.models import Article
from retrieval.store import ArticleSummary

if TYPE_CHECKING:
    from bot.discord_app import NewsdeskBot

log = logging.getLogger(__name__)

SOURCES_SHOWN = 40
# The descriptions of a command's period options (``/sources``, ``/ask``).
SINCE_OPTION = "Only articles published on or after this date (YYYY-MM-DD, or a month YYYY-MM, or a year)"
UNTIL_OPTION = "Only articles published on or before this date (YYYY-MM-DD, or a month YYYY-MM, or a year)"
NO_MATCH = "None of this server's articles fits; try fewer words or a wider period."


def choice_name(article: ArticleSummary) -> str:
    return shorten(f"{article.title} ({published_day(article)})", 100)


async def library_choices(
    bot: NewsdeskBot, interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete of an ``article`` option: the server's articles whose title, outlet or link
    hold what was typed, newest first, each as its id."""
    if interaction.guild_id is None:
        return []
    articles = await bot.newsroom.articles(namespace_for(interaction.guild_id))
    found = matching(articles, current) if current.strip() else articles
    return [app_commands.Choice(name=choice_name(a), value=a.id[:100]) for a in found[:CHOICES_LIMIT]]


class Sources(commands.Cog):
    """What the server's library holds, and removing from it."""

    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot

    @app_commands.command(name="sources")
    @app_commands.describe(
        query="Words to look for in titles, outlets and links (optional)",
        since=SINCE_OPTION,
        until=UNTIL_OPTION,
        added_by="Only the articles this member added",
    )
    async def sources(
        self,
        interaction: discord.Interaction[Any],
        query: app_commands.Range[str, 1, 200] | None = None,
        since: app_commands.Range[str, 1, 40] | None = None,
        until: app_commands.Range[str, 1, 40] | None = None,
        added_by: discord.User | None = None,
    ) -> None:
        """List this server's newest articles, or those matching your words, a period or who added them."""
        namespace = namespace_for(interaction.guild_id)
        first, last = parse_day(since, "since"), parse_day(until, "until", end_of_day=True)
        await interaction.response.defer(thinking=True, ephemeral=True)
        articles = await self.bot.newsroom.articles(namespace)
        origin, adder = (discord_origin(added_by.id), added_by.display_name) if added_by else (None, None)
        found = matching(articles, query, first, last, origin)
        label = selection_label(query, since, until, adder)
        heading = f"Articles {label}" if label else "Newest articles"
        heading = f"{shorten(heading, 200)} ({len(found)} of {len(articles)})"
        listed = articles_description(found[:SOURCES_SHOWN]) if found or not articles else NO_MATCH
        await interaction.followup.send(
            embed=embed(heading, listed),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(name="forget")
    @app_commands.describe(
        article="The article's id or link; start typing its title to pick it",
        added_by="Or every article this member added (you get a copy that /ingest reads back)",
    )
    @manager_only()
    async def forget(
        self,
        interaction: discord.Interaction[Any],
        article: str | None = None,
        added_by: discord.User | None = None,
    ) -> None:
        """Remove an article and all its passages from this server's library, or all a member added."""
        namespace = namespace_for(interaction.guild_id)
        if (article is None) == (added_by is None):
            raise Refusal("Name an article, or a member whose articles to remove: one of the two.")
        if added_by is not None:
            await self._forget_added_by(interaction, added_by)
            return
        assert article is not None  # noqa: S101 - one of the two, checked above
        await interaction.response.defer(thinking=True)
        gone = await self.bot.newsroom.forget(article.strip(), namespace=namespace)
        title = discord.utils.escape_markdown(shorten(gone.title, 200))
        await interaction.followup.send(
            f"Forgot **{title}** ({counted(gone.chunks, 'passage')} removed).",
            allowed_mentions=NO_PINGS,
        )
        log.info("forget guild=%s user=%s article=%s", namespace, interaction.user.id, gone.id)

    async def _forget_added_by(self, interaction: discord.Interaction[Any], member: discord.User) -> None:
        """Remove every article ``member`` added; the manager alone gets them as a file. When the
        copy is more than Discord lets the bot attach, nothing is removed."""
        namespace = namespace_for(interaction.guild_id)
        origin, limit = discord_origin(member.id), interaction.filesize_limit
        await interaction.response.defer(thinking=True)
        copy: list[bytes] = []

        def keep(copies: list[Article]) -> None:  # before anything is removed
            data = "".join(export_lines(copies)).encode("utf-8")
            if len(data) > limit:
                raise Refusal(
                    f"What {member.display_name} added is {len(data) / 1e6:.1f} MB, more than the "
                    f"{limit / 1e6:.0f} MB Discord lets me attach as a copy, so nothing was removed: run "
                    f"`newsdesk forget --added-by {origin} --out FILE.jsonl --namespace {namespace}` "
                    "on the bot's machine."
                )
            copy.append(data)

        copies, broken = await self.bot.newsroom.forget_added_by(origin, namespace, keep)
        count = len(copies) + len(broken)
        if not count:
            text = f"{member.mention} added no article to this server's library: nothing removed."
            await interaction.followup.send(text, allowed_mentions=NO_PINGS)
            return
        await interaction.followup.send(
            f"Forgot the {counted(count, 'article')} {member.mention} added.", allowed_mentions=NO_PINGS
        )
        log.info(
            "forget guild=%s user=%s added_by=%s articles=%d",
            namespace,
            interaction.user.id,
            member.id,
            count,
        )
        if not copies:
            return
        text = f"A copy of the {counted(len(copies), 'article')} removed: `/ingest file:` puts them back"
        most = self.bot.settings.max_articles_per_request
        text += (
            f" ({most} articles a file at most; `newsdesk ingest` any number)." if len(copies) > most else "."
        )
        await interaction.followup.send(
            text,
            file=discord.File(
                io.BytesIO(copy[0]), filename=f"newsdesk-{namespace}-added-by-{member.id}.jsonl"
            ),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(name="export")
    @manager_only()
    async def export(self, interaction: discord.Interaction[Any]) -> None:
        """Download this server's library as a JSON-lines file that /ingest reads back."""
        namespace = namespace_for(interaction.guild_id)
        await interaction.response.defer(thinking=True, ephemeral=True)
        articles, broken = await self.bot.newsroom.export(namespace)
        if not articles:
            await interaction.followup.send(
                "No articles here yet: nothing to export.", ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        data = "".join(export_lines(articles)).encode("utf-8")
        limit = interaction.filesize_limit
        if len(data) > limit:
            await interaction.followup.send(
                f"This library is {len(data) / 1e6:.1f} MB, more than the {limit / 1e6:.0f} MB Discord "
                f"lets me attach here: run `newsdesk export --namespace {namespace}` on the bot's machine.",
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        count = counted(len(articles), "article")
        most = self.bot.settings.max_articles_per_request
        text = (
            f"{count} of this server's library, one JSON line each: `/ingest file:` reads it back "
            f"({most} articles a file at most), `newsdesk ingest` any number."
        )
        if broken:
            text += f" {len(broken)} could not be rebuilt from the store and are missing: ingest them again."
        day = datetime.now(UTC).date().isoformat()
        await interaction.followup.send(
            text,
            file=discord.File(io.BytesIO(data), filename=f"newsdesk-{namespace}-{day}.jsonl"),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
        log.info(
            "export guild=%s user=%s articles=%d bytes=%d",
            namespace,
            interaction.user.id,
            len(articles),
            len(data),
        )

    @app_commands.command(name="article")
    @app_commands.describe(article="The article's id or link; start typing its title to pick it")
    async def article(self, interaction: discord.Interaction[Any], article: str) -> None:
        """Read one of this server's articles: the full text around the quotes answers cite."""
        namespace = namespace_for(interaction.guild_id)
        await interaction.response.defer(thinking=True, ephemeral=True)
        found = await self.bot.newsroom.article(article.strip(), namespace=namespace)
        about = (outlet_and_day(found), added_line(found, "<@{}>".format))  # a mention names the member
        head = " · ".join(discord.utils.escape_markdown(p) for p in about if p)
        body = discord.utils.escape_markdown(found.body)
        text = f"*{head}*\n\n{body}" if head else body
        if len(text) > EMBED_DESCRIPTION_LIMIT:
            more = "\n\n*(The rest: a manager's `/export` has the full text.)*"
            text = shorten(text, EMBED_DESCRIPTION_LIMIT - len(more)) + more
        card = embed(found.title, text)
        card.url = web_link(found.url)
        card.set_footer(text=f"Ask about this article alone, or ask it to summarize: /ask article:{found.id}")
        await interaction.followup.send(embed=card, ephemeral=True, allowed_mentions=NO_PINGS)
        log.info("article guild=%s user=%s article=%s", namespace, interaction.user.id, found.id)

    @forget.autocomplete("article")
    @article.autocomplete("article")
    async def article_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return await library_choices(self.bot, interaction, current)


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Sources(bot))
