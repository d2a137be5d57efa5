"""Rendering answers and lists within Discord's limits, cut at sentence boundaries."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.render_discord import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_LIMIT,
    MESSAGE_LIMIT,
    NO_PINGS,
    answer_messages,
    articles_description,
    citation_block,
    ingest_message,
    sentence_pieces,
    shorten,
    split_text,
)
from ingest.pipeline import ArticleResult, IngestReport
from retrieval.models import Answer
from retrieval.store import ArticleSummary
from tests.bot.factories import citation, passage


def test_sentence_pieces_keep_markers_with_their_sentence_and_rebuild_the_text():
    text = "Vance met Varga. [1] They spoke of fog [2]. The horn sounds at 30 s! [1][3] Done"
    pieces = sentence_pieces(text)
    assert pieces == [
        "Vance met Varga. [1] ",
        "They spoke of fog [2]. ",
        "The horn sounds at 30 s! [1][3] ",
        "Done",
    ]
    assert "".join(pieces) == text


@pytest.mark.parametrize("limit", [MESSAGE_LIMIT, EMBED_DESCRIPTION_LIMIT, EMBED_FIELD_LIMIT, 120])
def test_split_text_respects_the_limit_and_cuts_only_between_sentences(limit):
    sentences = [
        f"Sentence {i} says the ferry left at dawn with {i} passengers aboard. [{i % 4 + 1}]"
        for i in range(150)
    ]
    text = " ".join(sentences)
    parts = split_text(text, limit)
    assert all(len(p) <= limit for p in parts)
    assert " ".join(parts) == text
    assert all(p.endswith("]") for p in parts)


def test_a_sentence_longer_than_the_limit_is_cut_at_words():
    text = "word " * 700
    parts = split_text(text.strip(), 2000)
    assert all(len(p) <= 2000 for p in parts) and len(parts) == 2
    assert all(not p.startswith(" ") and "wor d" not in p for p in parts)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .!?[]1\n"), min_size=0, max_size=3000), st.integers(20, 2000))
@example("1" * 21, 20)  # one word longer than a message: cut, nothing lost
@example("1" * 19 + " 1", 20)  # two words must not run together where a long sentence is cut
@example("aaaa " + "b" * 18, 20)  # a word that fits in a message is not cut
def test_split_text_never_exceeds_the_limit_nor_loses_words(text, limit):
    parts = split_text(text, limit)
    assert all(len(p) <= limit for p in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())  # not a character lost
    if all(len(word) <= limit for word in text.split()):
        assert " ".join(parts).split() == text.split()  # and words are cut only when longer than a message


def test_shorten_keeps_whole_sentences_and_marks_the_cut():
    assert shorten("One. Two. Three.", 100) == "One. Two. Three."
    assert shorten("First sentence here. Second sentence is long.", 30) == "First sentence here.…"
    assert len(shorten("x" * 5000, 1024)) == 1024


def test_answer_has_markers_then_a_sources_block_with_title_outlet_date_link_and_quote():
    answer = Answer("q", "The council voted seven to two. [1]", "extractive", (citation(1),))
    (message,) = answer_messages(answer)
    assert message == (
        "The council voted seven to two. [1]\n\n**Sources**\n"
        "[1] **Council vote** — Halden Courier, 2025-02-11\n<https://news.example/1>\n"
        "> The council voted seven to two."
        " [in context](<https://news.example/1#:~:text=The%20council%20voted%20seven%20to%20two>)"
    )


def test_a_citation_is_never_split_from_its_source_line():
    quote = "The harbour council met. " * 90  # a quote longer than a message on its own
    answer = Answer("q", "Short answer. [1] [2]", "extractive", (citation(1, quote), citation(2, quote)))
    messages = answer_messages(answer)
    assert all(len(m) <= MESSAGE_LIMIT for m in messages)
    for n in (1, 2):
        (holder,) = [m for m in messages if f"[{n}] **Council vote**" in m]
        block = holder[holder.index(f"[{n}] **Council vote**") :]
        assert f"<https://news.example/{n}>\n> The harbour council met." in block
        # the quote is cut, its link to the words in the article is kept whole
        assert block.endswith(
            f"met.… [in context](<https://news.example/{n}#:~:text=The%20harbour%20council%20met.,The%20harbour%20council%20met>)"
        )


def test_further_quotes_of_one_article_point_to_its_first_citation_instead_of_repeating_it():
    first, other = citation(1), citation(2, "The ferry was delayed.", title="Ferry news")
    again = replace(citation(3, "The mayor abstained."), article_id=first.article_id, url=first.url)
    answer = Answer("q", "Voted. [1] Delayed. [2] Abstained. [3]", "extractive", (first, other, again))
    (message,) = answer_messages(answer)
    assert message.count("**Council vote**") == 1 and message.count("<https://news.example/1>") == 1
    assert message.endswith(
        "[3] *same article as [1]*\n> The mayor abstained."
        " [in context](<https://news.example/1#:~:text=The%20mayor%20abstained>)"
    )
    assert "[2] **Ferry news** — Halden Courier, 2025-02-11\n<https://news.example/2>" in message


def test_citation_block_fits_any_limit_and_escapes_markdown_in_titles():
    block = citation_block(citation(1, title="*Bold* claims_about __x__"), 200)
    assert len(block) <= 200 and "\\*Bold\\*" in block


def test_markdown_in_article_text_is_shown_as_written():
    answer = Answer(
        "q", "Costs rose by *11* percent. [1]", "extractive", (citation(1, "A *bold* quote_here."),)
    )
    (message,) = answer_messages(answer)
    assert message.startswith("Costs rose by \\*11\\* percent. [1]")
    assert message.endswith(
        "> A \\*bold\\* quote\\_here. [in context](<https://news.example/1#:~:text=A%20%2Abold%2A%20quote_here>)"
    )


def test_an_empty_library_tells_the_channel_how_to_add_articles():
    answer = Answer("q", "No articles have been ingested here yet.", "empty")
    assert answer_messages(answer) == [
        "No articles have been ingested here yet. Members with Manage Server can add some with "
        "`/ingest` (a file or a link) or `/feed add`."
    ]


def test_abstaining_answer_and_notice_render_without_sources():
    answer = Answer("q", "The ingested articles don't say.", "abstain", notice="chat model failed")
    assert answer_messages(answer) == ["The ingested articles don't say.\n\n*chat model failed*"]


def test_an_abstention_lists_its_nearest_articles_where_sources_would_be():
    retrieved = (passage(1, title="Council *vote*"), passage(2, 1), passage(3), passage(4), passage(5))
    answer = Answer("q", "The ingested articles don't say who won.", "abstain", (), retrieved)
    assert answer_messages(answer) == [
        "The ingested articles don't say who won.\n\n**Nearest articles**\n"
        "[1] **Council \\*vote\\*** — Halden Courier, 2025-02-11\n<https://news.example/1>\n\n"
        "[2] **Council vote** — Halden Courier, 2025-02-11\n<https://news.example/3>\n\n"
        "[3] **Council vote** — Halden Courier, 2025-02-11\n<https://news.example/4>"
    ]


def test_no_pings_allows_no_mentions_at_all():
    assert NO_PINGS.to_dict() == {"parse": []}


def test_ingest_message_lists_title_date_chunks_and_refusals():
    report = IngestReport(
        articles_added=1, articles_skipped=1, errors=[{"source": "x.pdf", "error": "x.pdf: binary"}]
    )
    report.articles = [
        ArticleResult("a", "Tram tunnel opens", "added", 3, "2025-07-02T00:00:00+00:00"),
        ArticleResult("b", "Old story", "skipped", 0, None),
    ]
    assert ingest_message(report) == (
        "Added **Tram tunnel opens** (2025-07-02) — 3 chunks.\n"
        "Already stored: **Old story** (undated).\n"
        "Not added: x.pdf: binary"
    )


def test_long_lists_stop_at_the_limit_and_count_the_rest():
    articles = [
        ArticleSummary(f"id-{i}", f"Story number {i} " * 5, None, None, "Courier", 1, "h", None)
        for i in range(200)
    ]
    text = articles_description(articles)
    assert len(text) <= EMBED_DESCRIPTION_LIMIT
    assert text.endswith("more.") and text.count("\n") < 200
    assert articles_description([]).startswith("No articles here yet")


def test_an_article_url_that_could_smuggle_markup_is_not_shown_as_a_link():
    crafted = replace(citation(1), url="https://x.example/a> [click here](https://elsewhere.example)")
    (message,) = answer_messages(Answer("q", "The council voted. [1]", "extractive", (crafted,)))
    assert "elsewhere.example" not in message and "<https://x.example" not in message
    assert message.endswith("> The council voted seven to two.")  # the quote stays, with no link
