"""Hybrid retrieval: the lexical index follows the store, recency, as_of and article diversity."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from retrieval.lexical import LexicalIndex
from retrieval.models import Article
from retrieval.search import Retriever
from retrieval.store import ChromaStore, embedded_client
from tests.retrieval.stores import write as write_articles

ASKED = datetime(2031, 5, 20, 12, tzinfo=UTC)


def article(aid: str, title: str, body: str, days_before: float | None = 30) -> Article:
    published = None if days_before is None else ASKED - timedelta(days=days_before)
    return Article(id=aid, title=title, body=body, published_at=published, source="example.test")


@pytest.fixture
def stores(tmp_path: Path, embedder) -> tuple[ChromaStore, ChromaStore]:
    """Two store objects on one directory: a reader and a writer that never tells the reader."""
    reader = ChromaStore(embedded_client(tmp_path / "chroma"), embedder.name)
    writer = ChromaStore(embedded_client(tmp_path / "chroma"), embedder.name)
    return reader, writer


def write(store: ChromaStore, embedder, *articles: Article, max_tokens: int = 256) -> None:
    write_articles(store, embedder, *articles, max_tokens=max_tokens, overlap_tokens=0)


def found(index: LexicalIndex, question: str) -> set[str]:
    return {c.article_id for c in index.search(question, "ns", 10)}


def test_lexical_index_sees_articles_another_writer_adds_replaces_and_removes(stores, embedder):
    reader, writer = stores
    index = LexicalIndex(reader)
    assert found(index, "walrus") == set()
    write(writer, embedder, article("a1", "Zoo news", "A walrus named Bjorn arrived at the zoo."))
    assert found(index, "walrus") == {"a1"}
    # Same id, same number of chunks, new text: only the generation tells the change apart.
    write(writer, embedder, article("a1", "Zoo news", "A penguin named Bjorn arrived at the zoo."))
    assert found(index, "walrus") == set()
    assert found(index, "penguin") == {"a1"}
    write(writer, embedder, article("a2", "Aquarium", "The aquarium bought a second penguin."))
    assert found(index, "penguin") == {"a1", "a2"}
    writer.delete_article("ns", "a1")
    assert found(index, "penguin") == {"a2"}


def test_forgetting_what_one_adder_stored_removes_all_of_it_past_a_batch(stores, embedder):
    reader, writer = stores
    spam = [
        replace(article(f"s{i}", "Spam", f"Buy cheap penguin number {i} today."), added_by="feed:x")
        for i in range(3)
    ]
    write(writer, embedder, *spam, article("own", "Zoo news", "The penguin keeper retired."))
    index = LexicalIndex(reader)
    assert found(index, "penguin") == {"s0", "s1", "s2", "own"}
    writer._max_batch = 2  # Chroma's limit per call, made small: the delete must go in batches
    deletes: list[int] = []
    call = writer._call

    def counting(fn, *args, **kwargs):
        if getattr(fn, "__name__", "") == "delete":
            deletes.append(len(kwargs["ids"]))
        return call(fn, *args, **kwargs)

    writer._call = counting  # type: ignore[method-assign]
    assert writer.delete_added_by("ns", "feed:x") == 3
    assert deletes == [2, 1]
    assert found(index, "penguin") == {"own"}
    assert writer.delete_added_by("ns", "feed:x") == 0


def test_unchanged_store_reuses_the_index(stores, embedder):
    reader, writer = stores
    write(writer, embedder, article("a1", "Zoo news", "A walrus named Bjorn arrived at the zoo."))
    index = LexicalIndex(reader)
    first = index.snapshot("ns")
    assert index.snapshot("ns") is first


def test_headline_words_find_every_chunk_of_their_article(stores, embedder):
    reader, writer = stores
    write(
        writer, embedder, article("a1", "Quokka census", "Counting went well. Volunteers walked the island.")
    )
    assert found(LexicalIndex(reader), "quokka") == {"a1"}


def test_articles_after_the_moment_of_asking_are_never_returned(stores, embedder):
    reader, writer = stores
    write(
        writer,
        embedder,
        article("past", "Vote", "The Harbourview council voted on the ferry plan.", days_before=3),
        article(
            "future", "Vote result", "The Harbourview council voted again on the ferry plan.", days_before=-2
        ),
    )
    got = Retriever(reader, embedder).search("Harbourview council ferry vote", "ns", k=10, as_of=ASKED)
    assert [c.article_id for c in got] == ["past"]


def test_recent_articles_rank_above_older_ones_saying_the_same(stores, embedder):
    reader, writer = stores
    body = "Minister Aino Varga met the fisheries envoy in Port Ellery to discuss the quay."
    write(
        writer,
        embedder,
        article("old", "Varga meets envoy", body, days_before=200),
        article("new", "Varga meets envoy", body + " ", days_before=4),
    )
    got = Retriever(reader, embedder).search("Who did Varga meet?", "ns", k=2, as_of=ASKED)
    assert [c.article_id for c in got] == ["new", "old"]


def test_one_long_article_does_not_crowd_out_the_others(stores, embedder):
    reader, writer = stores
    long_body = "\n\n".join(f"The walrus festival day {i} drew crowds to the walrus pier." for i in range(12))
    write(writer, embedder, article("long", "Walrus festival", long_body), max_tokens=20)
    write(writer, embedder, article("other", "Walrus study", "A study counted walrus calves on the coast."))
    got = Retriever(reader, embedder).search("walrus festival crowds", "ns", k=4, as_of=ASKED)
    assert "other" in [c.article_id for c in got]


def test_exact_vector_scan_agrees_with_chroma_and_respects_the_date(stores, embedder):
    reader, writer = stores
    write(
        writer,
        embedder,
        article("a", "Ferry", "The night ferry to Gull Island starts in April.", days_before=5),
        article("b", "Bakery", "A baker in Briar Valley won the loaf prize.", days_before=5),
        article("c", "Storm", "A storm closed the causeway to Gull Island.", days_before=-1),
    )
    vector = embedder.embed(["ferry to the island"])[0]
    index = LexicalIndex(reader)
    exact = index.nearest(vector, "ns", 3)
    assert exact is not None
    assert [c.chunk_id for c in exact] == [c.chunk_id for c in reader.query("ns", vector, 3)]
    assert [c.score for c in exact] == pytest.approx(
        [c.score for c in reader.query("ns", vector, 3)], abs=1e-4
    )
    dated = index.nearest(vector, "ns", 3, max_ts=int(ASKED.timestamp()))
    assert dated is not None and "c" not in {c.article_id for c in dated}


def test_a_republished_copy_goes_behind_articles_that_say_something_else(stores, embedder):
    reader, writer = stores
    body = "The Harbourview ferry timetable changes in June, with later boats to Gull Island on weekends."
    write(
        writer,
        embedder,
        article("wire", "Harbourview ferry timetable changes", body, days_before=3),
        article("copy", "Ferry timetable to change in Harbourview", body + " More to follow.", days_before=3),
        article("riders", "Riders want more boats", "Harbourview ferry riders asked for a bigger boat.", 3),
    )
    retriever = Retriever(reader, embedder)
    got = [c.article_id for c in retriever.search("Harbourview ferry timetable", "ns", k=3, as_of=ASKED)]
    assert got[1] == "riders"
    assert set(got[:1] + got[2:]) == {"wire", "copy"}
    retriever.duplicate_overlap = 1.0
    plain = [c.article_id for c in retriever.search("Harbourview ferry timetable", "ns", k=3, as_of=ASKED)]
    assert plain[2] == "riders"
