"""Limits the asker sets explicitly (``--since``/``--until``/``--outlet``, Discord options)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.chunking import chunk_article
from retrieval.errors import ArticleNotFound
from retrieval.models import Article, Citation
from retrieval.search import Retriever
from retrieval.service import AskService, InvalidQuestion, Limits, years_apart
from retrieval.store import ChromaStore, embedded_client
from tests.retrieval.stores import write

ASKED = datetime(2024, 5, 17, 12, tzinfo=UTC)


def _article(aid: str, source: str, day: int, crowns: int) -> Article:
    return Article(
        id=aid,
        title="Council approves budget",
        body=f"The council approved the budget of {crowns} million crowns.",
        published_at=datetime(2024, 5, day, 9, tzinfo=UTC),
        source=source,
    )


@pytest.fixture
def asker(tmp_path: Path, embedder) -> AskService:
    store = ChromaStore(embedded_client(tmp_path / "chroma"), embedder.name)
    write(
        store,
        embedder,
        _article("early", "The Lindmoor Courier", 2, 3),
        _article("mid", "cnn.com", 9, 4),
        _article("late", "Harbour Gazette", 16, 5),
    )
    return AskService(Retriever(store, embedder))


def ids(answer) -> set[str]:
    return {r.article_id for r in answer.retrieved}


def test_since_and_until_are_inclusive_days(asker):
    def within(**days: int) -> set[str]:
        limits = Limits(**{k: datetime(2024, 5, d, tzinfo=UTC) for k, d in days.items()})
        return ids(asker.ask("How large is the budget?", "ns", as_of=ASKED, limits=limits))

    assert within(since=9) == {"mid", "late"}
    assert within(since=10) == {"late"}
    # an until of a whole day reaches its last second (the CLI and Discord pass 23:59:59)
    until_end_of_9 = Limits(until=datetime(2024, 5, 9, 23, 59, 59, tzinfo=UTC))
    assert ids(asker.ask("How large is the budget?", "ns", as_of=ASKED, limits=until_end_of_9)) == {
        "early",
        "mid",
    }
    assert within(since=3, until=15) == {"mid"}


def test_an_outlet_is_named_in_any_case_or_by_its_domain_label(asker):
    for name, aid in (("harbour gazette", "late"), ("CNN", "mid"), ("cnn.com", "mid")):
        answer = asker.ask("How large is the budget?", "ns", as_of=ASKED, limits=Limits(outlet=name))
        assert ids(answer) == {aid}
        assert {c.article_id for c in answer.citations} == {aid}


def test_explicit_limits_do_not_fall_back_and_say_what_held_nothing(asker):
    limits = Limits(since=datetime(2024, 5, 10, tzinfo=UTC), outlet="The Lindmoor Courier")
    answer = asker.ask("How large is the budget?", "ns", as_of=ASKED, limits=limits)
    assert answer.mode == "empty" and answer.retrieved == () and answer.citations == ()
    assert answer.text == "No articles from The Lindmoor Courier published since 2024-05-10 are stored here."


def test_explicit_limits_replace_those_read_from_the_question(asker):
    # the question names the Courier, the asker chose the Gazette: the choice wins
    limits = Limits(outlet="Harbour Gazette")
    answer = asker.ask(
        "According to The Lindmoor Courier, how large is the budget?", "ns", as_of=ASKED, limits=limits
    )
    assert ids(answer) == {"late"}


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (
            Limits(outlet="Reuters"),
            "no articles from 'Reuters' here (outlets: cnn.com, Harbour Gazette, The Lindmoor Courier)",
        ),
        (
            Limits(since=datetime(2024, 5, 9, tzinfo=UTC), until=datetime(2024, 5, 2, tzinfo=UTC)),
            "the period ends before it starts",
        ),
    ],
)
def test_unusable_limits_are_refused_with_the_reason(asker, limits, message):
    with pytest.raises(InvalidQuestion, match=message.replace("(", r"\(").replace(")", r"\)")):
        asker.ask("How large is the budget?", "ns", as_of=ASKED, limits=limits)


def _council_minutes() -> Article:
    items = ("the ferry", "the library", "the harbour wall", "the school roof", "the tram", "the market")
    body = " ".join(
        f"Item {i}: the council debated {item} for an hour and agreed to spend {i} million crowns on it. "
        "Members asked for a report by the summer, and the clerk noted each vote in the minutes."
        for i, item in enumerate(items, start=1)
    )
    return Article(
        id="minutes",
        title="Council minutes for May",
        body=body,
        published_at=datetime(2024, 5, 10, 9, tzinfo=UTC),
        source="Harbour Gazette",
        url="https://gazette.example/minutes",
    )


def test_an_article_limit_searches_that_article_only_and_all_of_its_passages(asker, embedder):
    store = asker.retriever._store
    minutes = _council_minutes()
    chunks = chunk_article(minutes, max_tokens=40, overlap_tokens=0)
    assert len(chunks) >= 5
    store.write_article("ns", minutes, chunks, embedder.embed([c.text for c in chunks]))

    for key in ("minutes", "https://gazette.example/minutes"):
        answer = asker.ask("How much did the council spend?", "ns", as_of=ASKED, limits=Limits(article=key))
        assert ids(answer) == {"minutes"} and {c.article_id for c in answer.citations} == {"minutes"}
        # one story asked about: more of its passages than the 3 a story may take among others
        assert len(answer.retrieved) == len(chunks)
    unlimited = asker.ask("How much did the council spend?", "ns", as_of=ASKED)
    assert sum(r.article_id == "minutes" for r in unlimited.retrieved) <= 3


def test_an_article_limit_says_why_it_holds_nothing(asker):
    with pytest.raises(ArticleNotFound, match="no article 'nope' here"):
        asker.ask("How large is the budget?", "ns", as_of=ASKED, limits=Limits(article="nope"))
    later = Limits(article="early", since=datetime(2024, 5, 5, tzinfo=UTC))
    answer = asker.ask("How large is the budget?", "ns", as_of=ASKED, limits=later)
    assert (answer.mode, answer.text) == (
        "empty",
        "“Council approves budget” is not among the articles published since 2024-05-05.",
    )
    before = asker.ask(
        "How large is the budget?",
        "ns",
        as_of=datetime(2024, 5, 8, tzinfo=UTC),
        limits=Limits(article="late"),
    )
    assert before.text == "“Council approves budget” was published after 2024-05-08."


def test_an_answer_whose_sources_are_years_apart_says_which_is_the_most_recent(asker, embedder):
    same_year = asker.ask("How large is the budget?", "ns", as_of=ASKED)
    assert len({c.article_id for c in same_year.citations}) > 1 and same_year.notice is None
    store = asker.retriever._store
    old = _article("old", "The Lindmoor Courier", 2, 2)
    old = Article(old.id, old.title, old.body, datetime(2021, 5, 2, 9, tzinfo=UTC), old.source)
    chunks = chunk_article(old)
    store.write_article("ns", old, chunks, embedder.embed([c.text for c in chunks]))
    answer = asker.ask("How large is the budget?", "ns", as_of=ASKED)
    dates = {c.published_at.date().isoformat(): c.n for c in answer.citations}
    assert "2021-05-02" in dates and "2024-05-16" in dates
    newest = dates["2024-05-16"]
    assert answer.notice == (
        f"These sources were published from 2021-05-02 to 2024-05-16; the most recent is [{newest}]."
    )


def test_years_apart_needs_two_dated_sources_a_year_apart():
    def cited(n: int, day: datetime | None) -> Citation:
        return Citation(n, f"a{n}", "t", "q", 0, 1, f"c{n}", published_at=day)

    may = datetime(2024, 5, 16, tzinfo=UTC)
    assert years_apart([cited(1, may), cited(2, None)]) is None
    assert years_apart([cited(1, may), cited(2, datetime(2023, 5, 18, tzinfo=UTC))]) is None  # 364 days
    assert years_apart([cited(1, datetime(2023, 5, 16, tzinfo=UTC)), cited(2, may), cited(3, may)]) == (
        "These sources were published from 2023-05-16 to 2024-05-16; the most recent is [2]."
    )
