""" "Timeline of the ferry dispute": a running story's articles, oldest first, each by a cited sentence."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from retrieval.models import Article
from retrieval.search import Retriever
from retrieval.service import AskService, Limits
from retrieval.store import ChromaStore, embedded_client
from retrieval.stories import coverage_subject, timeline_subject
from retrieval.terms import terms
from tests.retrieval.stores import write

ASKED = datetime(2024, 6, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("timeline of the ferry dispute", "the ferry dispute"),
        ("Give me a timeline of the ferry dispute?", "the ferry dispute"),
        ("ferry dispute timeline", "ferry dispute"),
        ("Ferry dispute: chronology", "Ferry dispute"),
        ("How has the ferry dispute unfolded so far?", "the ferry dispute"),
        ("how did the bakery strike develop?", "the bakery strike"),
        ("what's the timeline?", None),  # names no subject
        ("What is the timeline for the new bridge?", None),  # asks a fact: searched as usual
        ("who won the vote?", None),
    ],
)
def test_a_request_for_a_timeline_is_recognised_with_its_subject(question, subject):
    assert timeline_subject(question) == subject


def _article(
    aid: str, title: str, body: str, day: tuple[int, int] | None, source: str = "Courier"
) -> Article:
    published = datetime(2024, day[0], day[1], 9, tzinfo=UTC) if day else None
    return Article(id=aid, title=title, body=body, published_at=published, source=source)


FILLER = " The council will publish the minutes of the meeting on its website next week."
STORIES = [
    _article(
        "vote",
        "Council votes to end the night ferry",
        "The harbour council voted on Monday to end the night ferry to Gull Island in April. "
        "Islanders said the ferry dispute would not end there." + FILLER,
        (1, 15),
    ),
    _article(
        "petition",
        "Islanders petition to save the ferry",
        "More than 2,000 islanders signed a petition against the end of the night ferry. "
        "The ferry dispute reached the regional court on Friday." + FILLER,
        (2, 20),
        "Gazette",
    ),
    _article(
        "reversal",
        "Ferry dispute ends as council reverses its vote",
        "The council reversed its vote and kept the night ferry running for two more years." + FILLER,
        (5, 2),
    ),
    _article(
        "recipes",
        "Five soups for a cold harbour evening",
        "A leek soup is the best thing to eat while waiting for the night ferry in the ferry dispute season, "
        "the chef said." + FILLER,
        (3, 3),
    ),
    _article(
        "later",
        "Ferry dispute back in court",
        "The ferry dispute returned to court after the operator appealed the ruling." + FILLER,
        (7, 1),
    ),
    _article(
        "bakery",
        "Bakers end their strike",
        "Bakers in Wrenfield went back to work after nine days on strike." + FILLER,
        (4, 4),
    ),
]


@pytest.fixture
def asker(tmp_path: Path, embedder) -> AskService:
    store = ChromaStore(embedded_client(tmp_path / "chroma"), embedder.name)
    write(store, embedder, *STORIES)
    return AskService(Retriever(store, embedder))


def test_a_timeline_lists_the_storys_articles_oldest_first_by_their_ledes(asker):
    answer = asker.ask("How has the night ferry dispute unfolded?", "ns", as_of=ASKED)
    assert answer.mode == "extractive"
    # oldest first; the soup recipes mention the dispute in passing, the bakery not at all, and
    # the appeal was published after the moment of asking
    assert [c.article_id for c in answer.citations] == ["vote", "petition", "reversal"]
    # each by its lede, what its news was
    assert [c.quote.split()[:3] for c in answer.citations] == [
        ["The", "harbour", "council"],
        ["More", "than", "2,000"],
        ["The", "council", "reversed"],
    ]
    lines = answer.text.splitlines()
    assert lines[0] == "The night ferry dispute, oldest first:"
    assert lines[1] == f"• 2024-01-15: {answer.citations[0].quote} [1]"
    assert [line[:13] for line in lines[2:]] == ["• 2024-02-20:", "• 2024-05-02:"]
    for citation in answer.citations:
        body = next(a.body for a in STORIES if a.id == citation.article_id)
        assert body[citation.start : citation.end] == citation.quote


def test_a_timeline_keeps_to_the_outlet_and_dates_asked_for(asker):
    gazette = asker.ask("ferry dispute timeline", "ns", as_of=ASKED, limits=Limits(outlet="gazette"))
    assert [c.article_id for c in gazette.citations] == ["petition"]
    spring = Limits(since=datetime(2024, 2, 1, tzinfo=UTC), until=datetime(2024, 12, 31, tzinfo=UTC))
    later = asker.ask("ferry dispute timeline", "ns", as_of=datetime(2024, 8, 1, tzinfo=UTC), limits=spring)
    assert [c.article_id for c in later.citations] == ["petition", "reversal", "later"]


@pytest.mark.parametrize(
    "question",
    [
        "timeline of the lighthouse renovation",
        # the ferry dispute is reported, but no article about it names Wrenfield
        "timeline of the Wrenfield ferry dispute",
        "media coverage of the Wrenfield ferry dispute",
    ],
)
def test_a_story_never_reported_is_said_to_be_missing(asker, question):
    answer = asker.ask(question, "ns", as_of=ASKED)
    assert answer.mode == "abstain" and not answer.citations
    subject = question.split(" of ", 1)[1]
    assert answer.text == f"The ingested articles don't report on {subject}."
    assert answer.nearest


def test_a_question_about_a_timeline_is_answered_as_a_question(asker):
    answer = asker.ask("What is the timeline for the night ferry?", "ns", as_of=ASKED)
    assert not answer.text.endswith("oldest first:")
    assert "oldest first" not in answer.text


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("How did the outlets cover the night ferry vote?", "the night ferry vote"),
        ("how did different newspapers report on the ferry dispute", "the ferry dispute"),
        ("Media coverage of the ferry dispute", "the ferry dispute"),
        ("compare the coverage of the ferry dispute", "the ferry dispute"),
        ("What did each outlet say about the ferry dispute?", "the ferry dispute"),
        ("Does my insurance coverage include floods?", None),
        ("How did the council vote?", None),
        ("coverage of what?", None),
    ],
)
def test_a_request_for_each_outlets_coverage_is_recognised_with_its_subject(question, subject):
    assert coverage_subject(question) == subject


def test_coverage_quotes_each_outlets_best_article_on_the_story(asker):
    answer = asker.ask("How did the outlets cover the night ferry dispute?", "ns", as_of=ASKED)
    lines = answer.text.splitlines()
    assert lines[0] == "The night ferry dispute, as each outlet reported it:"
    outlets = [c.source for c in answer.citations]
    assert sorted(outlets) == ["Courier", "Gazette"]  # one article each; the soup recipes are no coverage
    assert {c.article_id for c in answer.citations} <= {"vote", "petition", "reversal"}
    for line, citation in zip(lines[1:], answer.citations, strict=True):
        assert (
            line == f"• {citation.source}, {citation.published_at:%Y-%m-%d}: {citation.quote} [{citation.n}]"
        )

    one = asker.ask(
        "media coverage of the night ferry dispute", "ns", as_of=ASKED, limits=Limits(outlet="Gazette")
    )
    assert (
        one.text.splitlines()[0]
        == "The night ferry dispute, as one outlet reported it (the only one among the articles found):"
    )
    assert [c.article_id for c in one.citations] == ["petition"]


def test_an_article_about_a_story_holds_its_most_specific_word(asker):
    # "night" and "ferry" are in every ferry story; only one is about the petition
    assert asker.retriever.lexical.rarest("ns", "the night ferry petition") == terms("petition")[0]
    answer = asker.ask("timeline of the night ferry petition", "ns", as_of=ASKED)
    assert [c.article_id for c in answer.citations] == ["petition"]


def test_a_story_asked_of_a_period_or_outlet_without_articles_says_so(asker):
    may = Limits(outlet="Gazette", since=datetime(2024, 5, 1, tzinfo=UTC))
    answer = asker.ask("timeline of the night ferry dispute", "ns", as_of=ASKED, limits=may)
    assert (answer.mode, answer.text) == (
        "empty",
        "No articles from Gazette published since 2024-05-01 are stored here.",
    )
    early = asker.ask(
        "media coverage of the night ferry dispute", "ns", as_of=datetime(2023, 1, 1, tzinfo=UTC)
    )
    assert early.text == "No article stored here was published by 2023-01-01."
