"""Render answers and reports for the terminal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.library import published_day
from ingest.pipeline import IngestReport
from retrieval.citations import outlet_and_day
from retrieval.extractive import NOTHING_INGESTED
from retrieval.fragments import web_link
from retrieval.models import Answer, Article, Citation, RetrievedChunk
from retrieval.store import ArticleSummary


def counted(n: int, noun: str) -> str:
    """``1 article``, ``2 articles``, ``3,695 chunks`` (for nouns whose plural adds an s)."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def library_summary(row: dict[str, Any], passage: str = "passage") -> str:
    """``12 articles from 3 outlets, published 2024-01-02 to 2024-05-17 (30 passages)`` from a
    namespace's ``stats`` row (``passage`` names its chunks)."""
    text = counted(row["articles"], "article")
    if row.get("outlets"):
        text += f" from {counted(row['outlets'], 'outlet')}"
    if row.get("newest"):
        span = row["newest"] if row["oldest"] == row["newest"] else f"{row['oldest']} to {row['newest']}"
        text += f", published {span}"
    return f"{text} ({counted(row['chunks'], passage)})"


def added_line(article: Article, member: Callable[[str], str] = "Discord member {}".format) -> str:
    """When the article was stored and by whom: ``Added 2026-11-30 by Discord member 42``,
    ``Added 2026-11-30 from the feed https://…``, or ``Added 2026-11-30`` from a terminal;
    ``member`` writes a Discord user id (a mention, in Discord)."""
    if article.ingested_at is None:
        return ""
    line = f"Added {article.ingested_at:%Y-%m-%d}"
    kind, _, who = (article.added_by or "").partition(":")
    if kind == "discord" and who.isdigit():
        line += f" by {member(who)}"
    elif kind == "feed" and web_link(who):
        line += f" from the feed {who}"
    return line


def source_line(item: Citation | RetrievedChunk) -> str:
    """``Title — outlet, 2024-05-17`` for a citation or a passage."""
    about = outlet_and_day(item)
    return f"{item.title} — {about}" if about else item.title


def first_citations(citations: Sequence[Citation]) -> list[int | None]:
    """For each citation, the number of an earlier citation of the same article (``None`` if first).

    An article's title, date and link are shown once, at its first quote; a further quote points
    to that number.
    """
    first: dict[str, int] = {}
    out: list[int | None] = []
    for c in citations:
        out.append(first.get(c.article_id))
        first.setdefault(c.article_id, c.n)
    return out


def answer_text(answer: Answer) -> str:
    """The answer, then its numbered sources with their quotes."""
    lines = [answer.text]
    if answer.text == NOTHING_INGESTED:
        lines.append("Add some with: newsdesk ingest PATH_OR_URL (files, folders, .jsonl, links).")
    if answer.notice:
        lines += ["", f"({answer.notice})"]
    if answer.citations:
        lines += ["", "Sources:"]
        for c, earlier in zip(answer.citations, first_citations(answer.citations), strict=True):
            lines.append(f"[{c.n}] {source_line(c) if earlier is None else f'same article as [{earlier}]'}")
            # "> ", as in Discord: a quote that opens with its own quotation mark shows as written
            lines.append(f"    > {' '.join(c.quote.split())}")
            if (url := web_link(c.url)) and earlier is None:
                lines.append(f"    {url}")
    if answer.nearest:
        lines += ["", "Nearest articles:"]
        for n, chunk in enumerate(answer.nearest, 1):
            lines.append(f"[{n}] {source_line(chunk)}")
            if url := web_link(chunk.url):
                lines.append(f"    {url}")
    return "\n".join(lines)


def report_text(report: IngestReport) -> str:
    """A short summary of an ingest run, errors listed one a line."""
    parts = [f"{report.articles_added} added"]
    if report.articles_updated:
        parts.append(f"{report.articles_updated} updated")
    parts.append(f"{report.articles_skipped} already stored")
    parts.append(f"{counted(report.chunks_added, 'chunk')} written")
    if report.errors:
        parts.append(f"{len(report.errors)} failed")
    lines = ["Ingested: " + ", ".join(parts) + f" ({report.seconds:.1f} s)."]
    lines += [f"  error: {e['error']}" for e in report.errors]
    return "\n".join(lines)


def article_line(article: ArticleSummary) -> str:
    """``id  2024-05-17  Outlet: Title (3 chunks)`` on one line, whatever the title holds."""
    title = " ".join(article.title.split()) or "(untitled)"
    outlet = f"{' '.join(article.source.split())}: " if article.source and article.source.strip() else ""
    chunks = counted(article.chunks, "chunk")
    return f"{article.id}  {published_day(article)}  {outlet}{title} ({chunks})"
