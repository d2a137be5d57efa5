"""``/ingest`` and the **Add to library** message menu: add articles from links or attached files."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import namespace_for
from bot.library import discord_origin
from bot.newsroom import MAX_LINKS
from bot.permissions import Refusal, manager_only
from bot.render_discord import NO_PINGS, ingest_message
from ingest.loaders import TEXT_SUFFIXES
from retrieval.urls import canonical_url

if TYPE_CHECKING:
    from bot.discord_app import NewsdeskBot

log = logging.getLogger(__name__)

# What the loaders read (text, Markdown, HTML, JSON/JSONL, PDF).
FILE_SUFFIXES = tuple(sorted(TEXT_SUFFIXES))
# The message context menu (right-click a message, Apps): add what the message links to or carries.
ADD_TO_LIBRARY = "Add to library"
NOTHING_TO_ADD = "That message has no link or article file to add."
_LINK = re.compile(r"https?://[^\s<>|]+", re.IGNORECASE)
_LINK_END = ".,;:!?'\"*_~]}"


def posted_links(text: str, embedded: Iterable[str] = ()) -> list[str]:
    """The http(s) links of a message's text, then those of its embeds, in order, each story once
    (by canonical URL).

    Markdown around a link is not part of it: ``<…>`` (no preview), ``[text](…)``, ``||…||``,
    ``**…**``, nor the full stop of the sentence it ends; a ``)`` stays when it closes a ``(``
    inside the link. ``embedded`` are the links of the message's embeds (a feed bot often posts
    nothing else).
    """
    links: list[str] = []
    seen: set[str] = set()
    found = [m.group(0) for m in _LINK.finditer(text)]
    found += [url for url in embedded if _LINK.fullmatch(url)]
    for link in found:
        while link and (link[-1] in _LINK_END or (link[-1] == ")" and link.count(")") > link.count("("))):
            link = link[:-1]
        try:
            key = canonical_url(link) if urlsplit(link).hostname else None
        except ValueError:  # an unreadable port or address: not a link to fetch
            key = None
        if key is not None and key not in seen:
            seen.add(key)
            links.append(link)
    return links


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
        # Context menus cannot be declared inside a cog: made here, added to the tree on load.
        self.add_menu = app_commands.ContextMenu(name=ADD_TO_LIBRARY, callback=self.add_to_library)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.add_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(ADD_TO_LIBRARY, type=discord.AppCommandType.message)

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
            report = await newsroom.ingest_bytes(
                data, file.filename, namespace, discord_origin(interaction.user.id)
            )
        else:
            report = await newsroom.ingest_urls(
                str(url).split(), namespace, discord_origin(interaction.user.id)
            )
        await interaction.followup.send(ingest_message(report), allowed_mentions=NO_PINGS)
        log.info(
            "ingest guild=%s user=%s added=%d skipped=%d errors=%d",
            namespace,
            interaction.user.id,
            report.articles_added,
            report.articles_skipped,
            len(report.errors),
        )

    @manager_only()
    async def add_to_library(self, interaction: discord.Interaction[Any], message: discord.Message) -> None:
        """Add the articles a message links to, and its attached article files, in one go.

        The way to keep a story someone posted in the channel: right-click the message, Apps,
        Add to library. Attachments that are not article files (a picture) are passed over;
        everything else follows the rules of ``/ingest``.
        """
        namespace = namespace_for(interaction.guild_id)
        newsroom = self.bot.newsroom
        links = posted_links(message.content, [e.url for e in message.embeds if e.url])
        files = [a for a in message.attachments if Path(a.filename).suffix.lower() in FILE_SUFFIXES]
        if not links and not files:
            others = [a.filename for a in message.attachments]
            kind = "is not an article file" if len(others) == 1 else "are not article files"
            raise Refusal(f"{NOTHING_TO_ADD} ({', '.join(others)} {kind}.)" if others else NOTHING_TO_ADD)
        if len(links) + len(files) > MAX_LINKS:
            raise Refusal(
                f"That message has {len(links) + len(files)} links and files; "
                f"add at most {MAX_LINKS} at once with /ingest."
            )
        for attachment in files:
            check_attachment(attachment.filename, attachment.size, newsroom.attachment_max_bytes)
        await interaction.response.defer(thinking=True)
        posted = [(a.filename, await a.read()) for a in files]
        report = await newsroom.ingest_posted(links, posted, namespace, discord_origin(interaction.user.id))
        await interaction.followup.send(ingest_message(report), allowed_mentions=NO_PINGS)
        log.info(
            "add-to-library guild=%s user=%s links=%d files=%d added=%d skipped=%d errors=%d",
            namespace,
            interaction.user.id,
            len(links),
            len(files),
            report.articles_added,
            report.articles_skipped,
            len(report.errors),
        )


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(Ingest(bot))
