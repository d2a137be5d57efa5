"""Render answers, ingest reports and article lists into messages that fit Discord's limits.

Rules: a message holds at most 2,000 characters, an embed description 4,096 and a field 1,024.
Long text is cut at sentence boundaries (a sentence keeps its ``[n]`` markers); a citation block
(marker, title, outlet, date, link, quote) is never split from its source line. Nothing rendered
here may ping anyone: every send passes ``NO_PINGS``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import discord

from bot.render_text import counted, first_citations
from ingest.pipeline import IngestReport
from retrieval.citations import outlet_and_day
from retrieval.extractive import NOTHING_INGESTED
from retrieval.fragments import web_link
from retrieval.models import Answer, Citation, RetrievedChunk
from retrieval.store import ArticleSummary

MESSAGE_LIMIT = 2000
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_LIMIT = 1024
TITLE_LIMIT = 200
CHOICES_LIMIT = 25  # autocomplete choices Discord shows
ELLIPSIS = "…"

# Every message the bot sends: no @everyone, no role, no user, no reply ping.
NO_PINGS = discord.AllowedMentions.none()

# A sentence ends at . ! ? … (plus closing quotes) and keeps the [n] markers that follow it;
# a line break always ends a piece.
_SENTENCE_END = re.compile(r"""[.!?…]+["'”’)\]]*(?:[ \t]*\[\d+\])*(?=\s|$)|\n+""")


def sentence_pieces(text: str) -> list[str]:
    """``text`` cut after each sentence end; concatenating the pieces gives ``text`` back."""
    pieces: list[str] = []
    cursor = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        # keep the whitespace after a sentence with it, so pieces concatenate to the text
        while end < len(text) and text[end] in " \t":
            end += 1
        if end > cursor:
            pieces.append(text[cursor:end])
            cursor = end
    if cursor < len(text):
        pieces.append(text[cursor:])
    return pieces


def _hard_split(piece: str, limit: int) -> list[str]:
    """A single over-long sentence cut at the last space before the limit, or inside a word only
    when the word alone is longer. Each bit keeps the space after it, so the bits concatenate to
    the sentence and no two words run together (a bit may be one space over ``limit``; the
    space is stripped where a message ends)."""
    out: list[str] = []
    while len(piece) > limit:
        cut = piece.rfind(" ", 0, limit + 1)
        if cut <= 0:  # one word longer than a message
            out.append(piece[:limit])
            piece = piece[limit:]
            continue
        out.append(piece[: cut + 1])
        piece = piece[cut + 1 :]
    if piece:
        out.append(piece)
    return out


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` characters at sentence boundaries.

    A sentence longer than ``limit`` on its own is cut at a word boundary as a last resort.
    """
    parts: list[str] = []
    current = ""
    for piece in sentence_pieces(text):
        for bit in _hard_split(piece, limit) if len(piece) > limit else [piece]:
            if len(current) + len(bit) <= limit:
                current += bit
                continue
            if current.strip():
                parts.append(current.rstrip())
            current = bit.lstrip()
    if current.strip():
        parts.append(current.rstrip())
    return parts


def shorten(text: str, limit: int) -> str:
    """``text`` if it fits, else its longest sentence-aligned (or word-aligned) prefix plus ``…``."""
    if len(text) <= limit:
        return text
    budget = limit - len(ELLIPSIS)
    kept = ""
    for piece in sentence_pieces(text):
        if len(kept) + len(piece) > budget:
            break
        kept += piece
    if not kept.strip():
        kept = _hard_split(text, budget)[0]
    return kept.rstrip() + ELLIPSIS


def source_line(n: int, item: Citation | RetrievedChunk) -> str:
    """``[n] **Title** — Outlet, 2024-05-17`` for a citation or a passage numbered ``n``."""
    title = discord.utils.escape_markdown(shorten(item.title, TITLE_LIMIT))
    about = outlet_and_day(item)
    tail = f" — {about}" if about else ""
    return f"[{n}] **{title}**{tail}"


def nearest_block(n: int, chunk: RetrievedChunk) -> str:
    """An abstention's nearest article ``n``: its source line and link, no quote."""
    line = source_line(n, chunk)
    return f"{line}\n<{url}>" if (url := web_link(chunk.url)) else line


def citation_block(citation: Citation, limit: int = MESSAGE_LIMIT, same_as: int | None = None) -> str:
    """Source line, link and quote of one citation, trimmed (quote first) to ``limit``.

    ``same_as`` names an earlier citation of the same article: the block then points to it
    instead of repeating the title, outlet, date and link.
    """
    if same_as is not None:
        head = f"[{citation.n}] *same article as [{same_as}]*"
    else:
        head = source_line(citation.n, citation)
        if url := web_link(citation.url):
            head += f"\n<{url}>"  # angle brackets: no link preview per source
    # markdown in article text is shown as written (a backslash escape is invisible in Discord)
    quote = discord.utils.escape_markdown(" ".join(citation.quote.split()))
    link = citation.link
    # opens the article at the quote (a text fragment); a bracket would end the masked link early
    tail = f" [in context](<{link.replace('(', '%28').replace(')', '%29')}>)" if link else ""
    room = limit - len(head) - len("\n> ") - len(tail)
    if room < 20:  # absurdly long title or link: keep the source line, drop the quote
        return shorten(head, limit)
    return f"{head}\n> {shorten(quote, room)}{tail}"


def answer_messages(answer: Answer, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The answer text, then a Sources section, as messages of at most ``limit`` characters."""
    body = discord.utils.escape_markdown(answer.text.strip()) or "The ingested articles don't say."
    if answer.text == NOTHING_INGESTED:
        body += " Members with Manage Server can add some with `/ingest` (a file or a link) or `/feed add`."
    if answer.notice:
        body += f"\n\n*{answer.notice}*"
    messages = split_text(body, limit)
    heading = "**Sources**\n" if answer.citations else "**Nearest articles**\n"
    blocks = [
        citation_block(c, limit - len(heading), same_as)
        for c, same_as in zip(answer.citations, first_citations(answer.citations), strict=True)
    ] + [shorten(nearest_block(n, chunk), limit - len(heading)) for n, chunk in enumerate(answer.nearest, 1)]
    for i, block in enumerate(blocks):
        unit = heading + block if i == 0 else block
        separator = "\n\n"
        if messages and len(messages[-1]) + len(separator) + len(unit) <= limit:
            messages[-1] += separator + unit
        else:
            messages.append(unit)
    return messages


def ingest_lines(report: IngestReport) -> list[str]:
    """One line per article added, updated or already stored, and per source refused."""
    lines: list[str] = []
    for a in report.articles:
        title = discord.utils.escape_markdown(shorten(a.title, TITLE_LIMIT))
        date = a.published_at[:10] if a.published_at else "undated"
        if a.status == "skipped":
            lines.append(f"Already stored: **{title}** ({date}).")
        else:
            verb = "Added" if a.status == "added" else "Updated"
            lines.append(f"{verb} **{title}** ({date}) — {counted(a.chunks, 'chunk')}.")
    for e in report.errors:
        lines.append(f"Not added: {shorten(' '.join(e['error'].split()), 300)}")
    return lines or ["Nothing to add: no article found in that source."]


def ingest_message(report: IngestReport, limit: int = MESSAGE_LIMIT) -> str:
    """The ingest report as one message (lines that do not fit are counted, not shown)."""
    return _bounded_lines(ingest_lines(report), limit)


def article_line(article: ArticleSummary) -> str:
    """``**Title** — outlet, date · `id```."""
    title = discord.utils.escape_markdown(shorten(article.title, TITLE_LIMIT))
    about = outlet_and_day(article)
    tail = f" — {about}" if about else ""
    return f"**{title}**{tail} · `{article.id}`"


def articles_description(articles: Sequence[ArticleSummary], limit: int = EMBED_DESCRIPTION_LIMIT) -> str:
    """A bulleted article list for an embed description."""
    if not articles:
        return "No articles here yet. Members with Manage Server can add some with `/ingest`."
    return _bounded_lines([f"• {article_line(a)}" for a in articles], limit)


def _bounded_lines(lines: Iterable[str], limit: int) -> str:
    """Whole lines while they fit, then ``…and N more.`` (a first line too long is shortened)."""
    rows = list(lines)
    kept: list[str] = []
    size = 0
    for i, line in enumerate(rows):
        left = len(rows) - i - 1
        tail = len(f"\n…and {left} more.") if left else 0
        grown = size + (1 if kept else 0) + len(line)
        if grown + tail > limit:
            break
        kept.append(line)
        size = grown
    if not kept and rows:
        rest = f"\n…and {len(rows) - 1} more." if len(rows) > 1 else ""
        return shorten(rows[0], limit - len(rest)) + rest
    omitted = len(rows) - len(kept)
    return "\n".join(kept) + (f"\n…and {omitted} more." if omitted else "")


def embed(title: str, description: str, colour: int = 0x2B6CB0) -> discord.Embed:
    """An embed whose title and description are trimmed to Discord's limits."""
    return discord.Embed(
        title=shorten(title, 256), description=shorten(description, EMBED_DESCRIPTION_LIMIT), colour=colour
    )
