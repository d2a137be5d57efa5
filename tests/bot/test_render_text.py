"""The terminal rendering of an answer and its sources."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.render_text import answer_text
from retrieval.models import Answer, Citation


def citation(n: int, article: str, quote: str, title: str) -> Citation:
    return Citation(
        n=n,
        article_id=article,
        title=title,
        quote=quote,
        start=0,
        end=len(quote),
        chunk_id=f"c{n}",
        url=f"https://news.example/{article}",
        source="Halden Courier",
        published_at=datetime(2025, 2, 11, tzinfo=UTC),
    )


def test_sources_show_each_article_once_and_every_quote_under_its_number():
    citations = (
        citation(1, "a", "The council voted seven to two.", "Council vote"),
        citation(2, "b", "The ferry was\n delayed.", "Ferry news"),
        citation(3, "a", "The mayor abstained.", "Council vote"),
    )
    text = answer_text(Answer("q", "Voted. [1] Delayed. [2] Abstained. [3]", "extractive", citations))
    assert text.split("\n") == [
        "Voted. [1] Delayed. [2] Abstained. [3]",
        "",
        "Sources:",
        "[1] Council vote — Halden Courier, 2025-02-11",
        "    “The council voted seven to two.”",
        "    https://news.example/a",
        "[2] Ferry news — Halden Courier, 2025-02-11",
        "    “The ferry was delayed.”",
        "    https://news.example/b",
        "[3] same article as [1]",
        "    “The mayor abstained.”",
    ]


def test_an_abstention_prints_its_notice_and_no_sources():
    text = answer_text(Answer("q", "The ingested articles don't say.", "abstain", notice="chat model failed"))
    assert text == "The ingested articles don't say.\n\n(chat model failed)"
