"""The terminal rendering of an answer and its sources."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.render_text import answer_text, counted
from retrieval.models import Answer
from tests.bot.factories import citation, passage


def test_sources_show_each_article_once_and_every_quote_under_its_number():
    citations = (
        citation(1),
        citation(2, "The ferry was\n delayed.", title="Ferry news"),
        replace(citation(3, "The mayor abstained."), article_id="a1"),
    )
    text = answer_text(Answer("q", "Voted. [1] Delayed. [2] Abstained. [3]", "extractive", citations))
    assert text.split("\n") == [
        "Voted. [1] Delayed. [2] Abstained. [3]",
        "",
        "Sources:",
        "[1] Council vote — Halden Courier, 2025-02-11",
        "    > The council voted seven to two.",
        "    https://news.example/1",
        "[2] Ferry news — Halden Courier, 2025-02-11",
        "    > The ferry was delayed.",
        "    https://news.example/2",
        "[3] same article as [1]",
        "    > The mayor abstained.",
    ]


def test_an_abstention_prints_its_notice_and_no_sources():
    text = answer_text(Answer("q", "The ingested articles don't say.", "abstain", notice="chat model failed"))
    assert text == "The ingested articles don't say.\n\n(chat model failed)"


def test_an_abstention_lists_its_nearest_articles_by_number():
    retrieved = (passage(1), passage(2, 1), passage(3, title="Ferry news"))
    text = answer_text(Answer("q", "The ingested articles don't say who won.", "abstain", (), retrieved))
    assert text.split("\n") == [
        "The ingested articles don't say who won.",
        "",
        "Nearest articles:",
        "[1] Council vote — Halden Courier, 2025-02-11",
        "    https://news.example/1",
        "[2] Ferry news — Halden Courier, 2025-02-11",
        "    https://news.example/3",
    ]


@pytest.mark.parametrize(
    ("n", "noun", "shown"),
    [
        (0, "article", "0 articles"),
        (1, "article", "1 article"),
        (2, "passage", "2 passages"),
        (3695, "chunk", "3,695 chunks"),
    ],
)
def test_counts_read_as_english(n, noun, shown):
    assert counted(n, noun) == shown


def test_a_quote_that_opens_with_its_own_quotation_mark_is_shown_as_written():
    quoted = citation(1, "“I could read it,” the minister said.")
    text = answer_text(Answer("q", "“I could read it,” the minister said. [1]", "extractive", (quoted,)))
    assert "    > “I could read it,” the minister said." in text.split("\n")
    assert "““" not in text


def test_a_url_that_is_not_a_web_link_is_not_printed():
    crafted = replace(citation(1), url="https://x.example/\x1b[2Jwiped")
    text = answer_text(Answer("q", "The council voted. [1]", "extractive", (crafted,)))
    assert "\x1b" not in text and "x.example" not in text
