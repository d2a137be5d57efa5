"""Re-ingesting, deduplication and consistency when a batch fails part-way."""

from __future__ import annotations

from typing import Any

import pytest
from chromadb.api.models.Collection import Collection

from bot.newsroom import Newsroom
from ingest.parsing import make_article
from ingest.pipeline import _GROUP as GROUP
from retrieval.errors import StoreUnavailable
from retrieval.models import Article
from retrieval.store import ChromaStore

URL = "https://planet.example/politics/minister-resigns"


def _story(text: str, title: str = "Minister resigns over budget row", url: str | None = URL) -> Article:
    body = " ".join(
        f"{text} Sentence {i} adds detail about the budget dispute in parliament." for i in range(12)
    )
    return make_article(title, body, url=url)


@pytest.fixture
def newsroom(newsroom: Newsroom) -> Newsroom:
    """Small chunks, so short test articles still span several chunks."""
    newsroom.ingestor.max_tokens, newsroom.ingestor.overlap_tokens = 48, 8
    return newsroom


def _chunk_hashes(room: Newsroom, article_id: str) -> list[str]:
    return [
        m["content_hash"] for _, _, m in room.store.iter_chunks("default") if m["article_id"] == article_id
    ]


def test_reingesting_a_changed_article_replaces_all_its_chunks(newsroom: Newsroom) -> None:
    first, second = _story("The minister quit."), _story("The minister resigned on Friday.")
    assert first.id == second.id
    newsroom.ingestor.ingest_items([("a", first)])
    report = newsroom.ingestor.ingest_items([("a", second)])
    assert report.articles_updated == 1 and report.chunks_removed > 0
    assert set(_chunk_hashes(newsroom, first.id)) == {second.content_hash}
    assert newsroom.stats_sync("default")["namespaces"]["default"]["articles"] == 1


def test_unchanged_article_is_skipped(newsroom: Newsroom) -> None:
    article = _story("Same.")
    newsroom.ingestor.ingest_items([("a", article)])
    assert newsroom.ingestor.ingest_items([("a", article)]).articles_skipped == 1


def test_same_story_under_two_links_is_stored_once(newsroom: Newsroom) -> None:
    one = _story("Identical text.", url="https://planet.example/a")
    two = _story("Identical text.", url="https://mirror.example/story?id=7")
    assert one.id != two.id and one.content_hash == two.content_hash
    assert newsroom.ingestor.ingest_items([("1", one), ("2", two)]).articles_added == 1
    report = newsroom.ingestor.ingest_items([("2", two)])
    assert report.articles_added == 0 and report.articles_skipped == 1
    assert len(newsroom.store.articles("default")) == 1


def test_failed_stale_cleanup_is_repaired_by_the_next_run(
    newsroom: Newsroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _story("Version one."), _story("Version two, corrected.")
    newsroom.ingestor.ingest_items([("a", first)])
    real_call = ChromaStore._call

    def failing_delete(self: ChromaStore, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(fn, "__name__", "") == "delete":
            raise StoreUnavailable("injected failure while deleting stale chunks")
        return real_call(self, fn, *args, **kwargs)

    monkeypatch.setattr(ChromaStore, "_call", failing_delete)
    with pytest.raises(StoreUnavailable):
        newsroom.ingestor.ingest_items([("a", second)])
    monkeypatch.setattr(ChromaStore, "_call", real_call)
    assert set(_chunk_hashes(newsroom, first.id)) == {first.content_hash, second.content_hash}
    report = newsroom.ingestor.ingest_items([("a", second)])
    assert report.articles_updated == 1
    assert set(_chunk_hashes(newsroom, first.id)) == {second.content_hash}


def test_failure_mid_batch_leaves_no_half_written_article_and_a_rerun_completes(
    newsroom: Newsroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two write groups: the store fails on the second, after the first was written.
    total = GROUP + 4
    articles = [
        _story(f"Story {n}.", title=f"Story number {n}", url=f"https://planet.example/{n}")
        for n in range(total)
    ]
    real_write = ChromaStore.write_articles
    writes: list[int] = []

    def fail_second_group(self: ChromaStore, namespace: str, batch: Any) -> list[int]:
        writes.append(len(batch))
        if len(writes) == 2:
            raise StoreUnavailable("injected failure")
        return real_write(self, namespace, batch)

    monkeypatch.setattr(ChromaStore, "write_articles", fail_second_group)
    with pytest.raises(StoreUnavailable):
        newsroom.ingestor.ingest_items([(a.id, a) for a in articles])
    monkeypatch.setattr(ChromaStore, "write_articles", real_write)
    assert writes == [GROUP, total - GROUP]
    for summary in newsroom.store.articles("default"):  # every stored article is whole
        chunks = [m for _, _, m in newsroom.store.iter_chunks("default") if m["article_id"] == summary.id]
        assert len(chunks) == summary.chunks
    assert len(newsroom.store.articles("default")) == GROUP
    report = newsroom.ingestor.ingest_items([(a.id, a) for a in articles])
    assert (report.articles_added, report.articles_skipped) == (total - GROUP, GROUP)
    assert len(newsroom.store.articles("default")) == total
    assert newsroom.store.count("default") == sum(len(newsroom.ingestor.chunk(a)) for a in articles)


def test_article_missing_chunks_is_rewritten_not_skipped(newsroom: Newsroom) -> None:
    article = _story("Whole story.")
    newsroom.ingestor.ingest_items([("a", article)])
    col = newsroom.store.collection("default")
    assert col is not None
    ids = col.get(where={"article_id": article.id}, include=[])["ids"]
    assert len(ids) > 2
    col.delete(ids=ids[1:2])  # as if a write had been cut short
    report = newsroom.ingestor.ingest_items([("a", article)])
    assert report.articles_updated == 1
    assert len(col.get(where={"article_id": article.id}, include=[])["ids"]) == len(ids)


def test_a_group_larger_than_chromas_batch_limit_is_written_in_whole_articles(
    newsroom: Newsroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = [
        _story(f"Story {n}.", title=f"Story number {n}", url=f"https://planet.example/{n}") for n in range(5)
    ]
    sizes = [len(newsroom.ingestor.chunk(a)) for a in articles]
    assert min(sizes) > 1
    newsroom.store._max_batch = max(sizes) + 1  # room for one article per upsert, not two
    upserts: list[int] = []
    real_upsert = Collection.upsert

    def counting_upsert(self: Collection, **kwargs: Any) -> None:
        upserts.append(len(kwargs["ids"]))
        real_upsert(self, **kwargs)

    monkeypatch.setattr(Collection, "upsert", counting_upsert)
    report = newsroom.ingestor.ingest_items([(a.id, a) for a in articles])
    assert report.articles_added == len(articles)
    assert upserts == sizes  # each upsert within the limit, no article split across two
    assert newsroom.store.count("default") == sum(sizes)
