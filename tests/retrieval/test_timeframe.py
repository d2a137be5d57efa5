"""Questions that name a period are answered from the articles published in it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from retrieval.models import Article
from retrieval.search import Retriever
from retrieval.service import AskService
from retrieval.store import ChromaStore, embedded_client
from retrieval.timeframe import time_window
from tests.retrieval.stores import write

ASKED = datetime(2024, 5, 17, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        # a named month or year stays open 14 or 62 days longer: reporting on it goes on
        ("What did the council decide in March 2024?", date(2024, 3, 1), date(2024, 4, 15)),
        ("What happened in December 2023?", date(2023, 12, 1), date(2024, 1, 15)),
        ("what did the mayor say in June?", date(2023, 6, 1), date(2023, 7, 15)),  # the latest June
        ("Who spoke in May?", date(2024, 5, 1), date(2024, 6, 15)),
        ("Who won the vote in 2023?", date(2023, 1, 1), date(2024, 3, 3)),
        ("What has changed since February 2024?", date(2024, 2, 1), date(2024, 5, 17)),
        ("Which ships docked in the past 3 days?", date(2024, 5, 14), date(2024, 5, 17)),
        ("Which ships docked in the last 2 weeks?", date(2024, 5, 3), date(2024, 5, 17)),
        ("What did the board decide last month?", date(2024, 4, 1), date(2024, 5, 15)),
        ("What was announced yesterday?", date(2024, 5, 16), date(2024, 5, 17)),
        ("Who resigned last year?", date(2023, 1, 1), date(2024, 3, 3)),
    ],
)
def test_a_named_period_becomes_a_publication_window(question, start, end):
    window = time_window(question, ASKED)
    assert window is not None
    assert (window.start.date(), window.end.date()) == (start, end)
    assert window.phrase.lower() in question.lower()


@pytest.mark.parametrize(
    "question",
    [
        "Who did Lavrov meet?",
        "Who won the 2024 Olympics marathon?",  # an event's name, not when it was reported
        "Which museum won the USA TODAY readers' award?",
        "What did the Bidens earn in 2023, according to the tax return released this week?",
        "Who scored this week?",  # left to the recency boost
        "What did the protesters demand in march on the capital?",
        "Which players in may be traded?",
    ],
)
def test_questions_without_a_publication_period_have_no_window(question):
    assert time_window(question, ASKED) is None


def _article(aid: str, title: str, body: str, published: datetime) -> Article:
    return Article(id=aid, title=title, body=body, published_at=published, source="example.test")


@pytest.fixture
def asker(tmp_path: Path, embedder) -> AskService:
    store = ChromaStore(embedded_client(tmp_path / "chroma"), embedder.name)
    write(
        store,
        embedder,
        _article(
            "march",
            "Council approves harbour budget",
            "The Lindmoor council approved the harbour budget of 3 million crowns on Tuesday.",
            datetime(2024, 3, 12, tzinfo=UTC),
        ),
        _article(
            "may",
            "Council approves school budget",
            "The Lindmoor council approved the school budget of 5 million crowns on Monday.",
            datetime(2024, 5, 13, tzinfo=UTC),
        ),
    )
    return AskService(Retriever(store, embedder))


def test_a_question_naming_a_month_is_answered_from_that_months_articles(asker):
    answer = asker.ask("Which budget did the council approve in March 2024?", "ns", as_of=ASKED)
    assert {r.article_id for r in answer.retrieved} == {"march"}
    assert answer.citations and all(c.article_id == "march" for c in answer.citations)
    assert answer.notice is None
    latest = asker.ask("Which budget did the council approve?", "ns", as_of=ASKED)
    assert latest.retrieved[0].article_id == "may"  # without a period the recent one leads


def test_a_period_with_no_articles_falls_back_to_all_dates_and_says_so(asker):
    answer = asker.ask("Which budget did the council approve in January 2020?", "ns", as_of=ASKED)
    assert {r.article_id for r in answer.retrieved} == {"march", "may"}
    assert answer.notice is not None
    assert "Nothing published in January 2020 matched" in answer.notice
