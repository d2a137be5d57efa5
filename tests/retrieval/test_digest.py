""" "What's new?": a request for the latest news is answered with the newest articles' ledes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from retrieval.digest import DIGEST_SIZE, asks_for_news, asks_for_summary
from retrieval.errors import ArticleNotFound
from retrieval.extractive import NOTHING_INGESTED
from retrieval.models import Article
from retrieval.search import Retriever
from retrieval.service import AskService, InvalidQuestion, Limits
from retrieval.store import ChromaStore, embedded_client
from tests.retrieval.stores import write

ASKED = datetime(2024, 5, 17, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "question",
    [
        "what's new?",
        "What’s new?",
        "any news today?",
        "news",
        "what are the latest headlines?",
        "what happened this week?",
        "what's going on?",
        "Any updates from the past 3 days?",
        "tell me the top stories",
    ],
)
def test_a_request_for_the_news_is_recognised(question):
    assert asks_for_news(question)


@pytest.mark.parametrize(
    "question",
    [
        "what's new with the ferry?",
        "latest news on the harbour strike",
        "what happened to the ferry?",
        "What happened in Paris this week?",
        "is there news about Lavrov?",
        "new york news",
        "who won?",
        "",
    ],
)
def test_a_question_about_something_is_searched_as_usual(question):
    assert not asks_for_news(question)


def _story(aid: str, title: str, lede: str, day: int | None, source: str = "Halden Courier") -> Article:
    body = f"{lede} The council will meet again next month to discuss the details of the plan."
    published = datetime(2024, 5, day, 9, tzinfo=UTC) if day else None
    return Article(id=aid, title=title, body=body, published_at=published, source=source)


@pytest.fixture
def asker(tmp_path: Path, embedder) -> AskService:
    store = ChromaStore(embedded_client(tmp_path / "chroma"), embedder.name)
    stories = [
        _story(
            "ferry", "Night ferry saved by council vote", "The council voted to keep the night ferry.", 16
        ),
        _story(
            "ferry-copy",
            "Night ferry saved by council vote",
            "The council voted to keep the ferry.",
            16,
            "Wire",
        ),
        Article(
            id="library",
            title="Floating library opens in the harbour",
            body="Editor's note: this story was updated on Thursday afternoon. "
            "The floating library opened in the harbour with 4,000 books on board.",
            published_at=datetime(2024, 5, 15, 9, tzinfo=UTC),
            source="Harbour Gazette",
        ),
        _story(
            "tram", "Tram tunnel opens to passengers", "The tram tunnel opened to passengers on Monday.", 13
        ),
        _story(
            "bakery", "Bakery strike ends after nine days", "Bakers in Wrenfield went back to work today.", 9
        ),
        _story(
            "gauges", "Tide gauges approved", "The harbour board approved new tide gauges for the port.", 6
        ),
        _story("old", "Old quay repaired", "Workers finished repairing the old quay wall on Friday.", 2),
        _story("undated", "Undated notice", "A notice without any date was posted at the town hall.", None),
        _story(
            "later", "Election results announced", "The results of the election were announced at noon.", 20
        ),
    ]
    write(store, embedder, *stories)
    return AskService(Retriever(store, embedder))


def test_whats_new_lists_the_newest_articles_by_their_ledes(asker):
    answer = asker.ask("What's new?", "ns", as_of=ASKED)
    assert answer.mode == "extractive"
    ids = [c.article_id for c in answer.citations]
    # newest first, one copy of a story, nothing after the moment of asking, nothing undated
    assert ids[0] in {"ferry", "ferry-copy"} and ids[1:] == ["library", "tram", "bakery", "gauges"]
    assert len(ids) == DIGEST_SIZE
    library = answer.citations[1]
    # the lede, not the editor's note above it
    assert library.quote == "The floating library opened in the harbour with 4,000 books on board."
    assert library.start == len("Editor's note: this story was updated on Thursday afternoon. ")
    assert answer.text.splitlines()[0] == "The newest articles here:"
    assert answer.text.splitlines()[2] == f"• {library.quote} [2]"


def test_a_named_period_lists_only_its_articles_and_says_when_there_are_none(asker):
    week = asker.ask("what happened this week?", "ns", as_of=ASKED)
    assert [c.article_id for c in week.citations][1:] == ["library", "tram"]
    assert week.text.startswith("The newest articles published in the past 7 days:")
    today = asker.ask("any news today?", "ns", as_of=ASKED)
    assert (today.mode, today.text) == (
        "empty",
        "No articles published today are stored here;"
        " the newest is “Night ferry saved by council vote”, 2024-05-16.",
    )


def test_explicit_limits_narrow_a_digest(asker):
    gazette = asker.ask("what's new?", "ns", as_of=ASKED, limits=Limits(outlet="harbour gazette"))
    assert [c.article_id for c in gazette.citations] == ["library"]
    assert gazette.text.startswith("The newest articles from Harbour Gazette:")
    may = Limits(until=datetime(2024, 5, 10, 23, 59, 59, tzinfo=UTC))
    assert [c.article_id for c in asker.ask("news", "ns", as_of=ASKED, limits=may).citations] == [
        "bakery",
        "gauges",
        "old",
    ]


def test_an_empty_library_says_how_to_add_articles_instead(asker):
    assert asker.ask("what's new?", "nothing-here", as_of=ASKED).text == NOTHING_INGESTED


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("summarize", True),
        ("Summarise this article, please", True),
        ("tl;dr", True),
        ("what is this story about?", True),
        ("key points?", True),
        ("give me a quick summary", True),
        ("who voted against?", False),
        ("what about the cost?", False),
        ("summarize the ferry vote", False),
    ],
)
def test_a_request_for_the_gist_is_recognised(question, wanted):
    assert asks_for_summary(question) is wanted


def test_summarize_one_article_gives_its_lede_and_the_sentences_after_it(asker, embedder):
    store = asker.retriever._store
    body = (
        "Editor's note: this story was updated on Thursday afternoon. "
        "The floating library opened in the harbour with 4,000 books on board. "
        "Readers queued along the quay before the doors opened at nine. "
        "The barge will moor at a different quay each month of the summer. "
        "A reading room on the top deck is heated by a small wind turbine."
    )
    write(
        store,
        embedder,
        Article(id="barge", title="Floating library opens in the harbour", body=body, source="Gazette"),
    )

    answer = asker.ask("tl;dr", "ns", as_of=ASKED, limits=Limits(article="barge"))
    quotes = [c.quote for c in answer.citations]
    assert quotes == [
        "The floating library opened in the harbour with 4,000 books on board.",
        "Readers queued along the quay before the doors opened at nine.",
        "The barge will moor at a different quay each month of the summer.",
    ]
    assert all(body[c.start : c.end] == c.quote for c in answer.citations)
    assert answer.text == " ".join(f"{q} [{n}]" for n, q in enumerate(quotes, start=1))
    # a question about the article is still searched within it
    pointed = asker.ask("What heats the reading room?", "ns", as_of=ASKED, limits=Limits(article="barge"))
    assert "wind turbine" in pointed.text
    with pytest.raises(ArticleNotFound):
        asker.ask("summarize", "ns", as_of=ASKED, limits=Limits(article="nope"))


def test_summarize_without_an_article_lists_the_newest_stories(asker):
    assert asker.ask("give me a summary", "ns", as_of=ASKED).text.startswith("The newest articles here:")


@pytest.mark.parametrize(
    "question", ["what's new from Harbour Gazette?", "What did the Harbour Gazette report?"]
)
def test_a_request_for_one_outlets_news_lists_its_newest_stories(asker, question):
    answer = asker.ask(question, "ns", as_of=ASKED)
    assert [c.article_id for c in answer.citations] == ["library"]
    assert answer.text.startswith("The newest articles from Harbour Gazette:")


def test_a_question_to_an_outlet_about_something_is_searched(asker):
    answer = asker.ask("What did Harbour Gazette report about the books?", "ns", as_of=ASKED)
    assert not answer.text.startswith("The newest articles")
    assert {c.article_id for c in answer.citations} == {"library"}


def test_a_digest_refuses_a_period_that_ends_before_it_starts(asker):
    backwards = Limits(since=datetime(2024, 5, 9, tzinfo=UTC), until=datetime(2024, 5, 2, tzinfo=UTC))
    with pytest.raises(InvalidQuestion, match="the period ends before it starts"):
        asker.ask("what's new?", "ns", as_of=ASKED, limits=backwards)


def test_a_library_without_dates_lists_the_articles_added_last(tmp_path, embedder):
    store = ChromaStore(embedded_client(tmp_path / "chroma"), embedder.name)
    for aid, title, lede in (
        ("first", "Club notes for March", "The rowing club elected a new captain at its spring meeting."),
        ("second", "Club notes for April", "The rowing club repainted its boathouse over the long weekend."),
    ):
        write(store, embedder, _story(aid, title, lede, None))
    asker = AskService(Retriever(store, embedder))
    answer = asker.ask("what's new?", "ns", as_of=ASKED)
    assert answer.text.splitlines()[0] == "The articles added most recently here:"
    assert [c.article_id for c in answer.citations] == ["second", "first"]
    dated_only = asker.ask("any news today?", "ns", as_of=ASKED)  # a period needs dates
    assert dated_only.text == "No articles published today are stored here."
