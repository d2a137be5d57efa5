"""The specification's own example: the seed article answers "who did Lavrov meet?"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.parsing import parse_text

MINISTRY = (
    "In a separate announcement, Russia's foreign ministry said Thursday that Lavrov has met Kim "
    "in a meeting that lasted over an hour."
)


@pytest.fixture
def seeded(newsroom, seed_dir):
    report = newsroom.ingest_sync([str(seed_dir)])
    assert report.articles_added == 1 and not report.errors
    return newsroom


def test_lavrov_question_names_kim_and_quotes_the_foreign_ministry(seeded, seed_dir):
    answer = seeded.ask_sync("who did Lavrov meet?")
    assert answer.mode == "extractive"
    assert "Kim" in answer.text
    assert any(c.quote == MINISTRY for c in answer.citations)
    for citation in answer.citations:
        assert citation.title == "Russian Foreign Minister Sergei Lavrov meets N. Korean leader Kim"
        assert citation.published_at == datetime(2024, 5, 17, 20, 35, 5, tzinfo=UTC)
        assert f"[{citation.n}]" in answer.text


def test_every_citation_quote_is_the_body_slice_it_names(seeded, seed_dir):
    body = parse_text(next(seed_dir.glob("*.txt")).read_text(encoding="utf-8")).body
    for question in [
        "who did Lavrov meet?",
        "What did Seoul's foreign ministry say?",
        "Where did Lavrov arrive?",
    ]:
        answer = seeded.ask_sync(question)
        for citation in answer.citations:
            assert body[citation.start : citation.end] == citation.quote


def test_reingesting_adds_nothing(seeded, seed_dir):
    before = seeded.store.count("default")
    again = seeded.ingest_sync([str(seed_dir)])
    assert (again.articles_added, again.articles_skipped, again.chunks_added) == (0, 1, 0)
    assert seeded.store.count("default") == before


def test_empty_namespace_says_so(newsroom):
    answer = newsroom.ask_sync("who did Lavrov meet?", namespace="nothing-here")
    assert answer.mode == "empty"
    assert answer.citations == ()


def test_unrelated_question_abstains_instead_of_quoting_noise(seeded):
    answer = seeded.ask_sync("What is the price of bitcoin on the Tokyo exchange?")
    assert answer.mode == "abstain"
    assert answer.citations == ()
    assert "don't say" in answer.text
