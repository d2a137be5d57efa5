"""Questions that name an outlet as their source are answered from that outlet's articles."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from retrieval.models import Article
from retrieval.outlets import outlet_named
from retrieval.search import Retriever
from retrieval.service import AskService
from retrieval.store import ChromaStore, embedded_client
from tests.retrieval.stores import write

OUTLETS = {"usatoday.com", "The Lindmoor Courier", "cnn.com", "Harbour Gazette"}
ASKED = datetime(2024, 5, 17, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("question", "outlet"),
    [
        ("What did the Courier report about the budget?", None),  # not the outlet's name
        ("What did The Lindmoor Courier report about the budget?", "The Lindmoor Courier"),
        ("According to Lindmoor Courier, who resigned?", "The Lindmoor Courier"),
        ("What has USA Today said about the strike?", None),  # "usatoday" is how it is stored
        ("What has usatoday reported about the strike?", "usatoday.com"),
        ("who resigned, according to cnn?", "cnn.com"),
        ("What was in the Harbour Gazette's coverage of the ferry?", "Harbour Gazette"),
        ("Who won the vote, in the Harbour Gazette?", "Harbour Gazette"),
        ("Where did CNN's debate take place?", None),  # names an event, not a source
        ("Who did Lavrov meet?", None),
        ("What did Reuters report?", None),  # no Reuters articles here
    ],
)
def test_an_outlet_is_recognised_only_as_a_source_of_reporting(question, outlet):
    assert outlet_named(question, OUTLETS) == outlet


def _article(aid: str, source: str, body: str) -> Article:
    published = datetime(2024, 5, 13, tzinfo=UTC)
    return Article(id=aid, title="Council approves budget", body=body, published_at=published, source=source)


@pytest.fixture
def asker(tmp_path: Path, embedder) -> AskService:
    store = ChromaStore(embedded_client(tmp_path / "chroma"), embedder.name)
    write(
        store,
        embedder,
        _article("courier", "The Lindmoor Courier", "The council approved the budget of 3 million crowns."),
        _article("gazette", "Harbour Gazette", "The council approved the budget of 5 million crowns."),
    )
    return AskService(Retriever(store, embedder))


def test_a_question_naming_an_outlet_is_answered_from_its_articles(asker):
    for outlet, aid in (("Harbour Gazette", "gazette"), ("The Lindmoor Courier", "courier")):
        answer = asker.ask(f"According to {outlet}, how large is the budget?", "ns", as_of=ASKED)
        assert {r.article_id for r in answer.retrieved} == {aid}
        assert answer.citations and {c.article_id for c in answer.citations} == {aid}
        assert answer.notice is None
    plain = asker.ask("How large is the budget?", "ns", as_of=ASKED)
    assert {r.article_id for r in plain.retrieved} == {"courier", "gazette"}


def test_an_outlet_with_nothing_in_the_period_falls_back_and_says_so(asker):
    answer = asker.ask("According to Harbour Gazette, how large was the budget in 2019?", "ns", as_of=ASKED)
    assert {r.article_id for r in answer.retrieved} == {"courier", "gazette"}
    assert answer.notice is not None
    assert answer.notice.startswith("Nothing from Harbour Gazette published in 2019 matched")
