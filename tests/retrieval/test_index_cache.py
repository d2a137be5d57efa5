"""The lexical index's chunks on disk: a new process starts from them and still follows the store."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import pytest

from retrieval import index_cache
from retrieval.index_cache import Cached, IndexCache
from retrieval.lexical import LexicalIndex
from retrieval.store import ChromaStore, embedded_client
from tests.retrieval.test_hybrid_search import article, write

WALRUS = article("a1", "Zoo news", "A walrus named Bjorn arrived at the zoo on Tuesday.")
PENGUIN = article("a2", "Aquarium", "The aquarium bought a second penguin for its new pool.")


@pytest.fixture
def store(tmp_path: Path, embedder) -> ChromaStore:
    return ChromaStore(embedded_client(tmp_path / "chroma"), embedder.name, label="test store")


def _index(store: ChromaStore, tmp_path: Path) -> LexicalIndex:
    """A fresh index, as a new process would make it."""
    return LexicalIndex(store, cache=IndexCache(tmp_path / "index", store.label))


def _reads(store: ChromaStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Chunk ids the index fetches from the store from now on."""
    fetched: list[str] = []
    real = store.get_chunks

    def counting(namespace: str, ids: Any) -> Any:
        fetched.extend(ids)
        return real(namespace, ids)

    monkeypatch.setattr(store, "get_chunks", counting)
    return fetched


def _found(index: LexicalIndex, question: str) -> list[tuple[str, float]]:
    found = [(c.chunk_id, round(c.score, 6)) for c in index.search(question, "ns", 10)]
    index.flush()  # the cache is written in the background
    return found


def test_a_new_process_answers_from_the_cache_not_the_store(store, tmp_path, embedder, monkeypatch):
    write(store, embedder, WALRUS, PENGUIN)
    first = _index(store, tmp_path)
    expected = _found(first, "walrus zoo")
    assert expected and list((tmp_path / "index").glob("*.json"))
    reads = _reads(store, monkeypatch)
    second = _index(store, tmp_path)
    assert _found(second, "walrus zoo") == expected
    nearest = second.nearest(embedder.embed(["a walrus at the zoo"])[0], "ns", 1)
    assert nearest is not None and nearest[0].article_id == "a1"
    assert reads == []


def test_a_new_process_reuses_the_cached_bm25_index_until_the_store_changes(
    store, tmp_path, embedder, monkeypatch
):
    write(store, embedder, WALRUS, PENGUIN)
    expected = _found(_index(store, tmp_path), "walrus zoo penguin")
    builds: list[int] = []
    real_index = bm25s.BM25.index

    def counting(self: bm25s.BM25, corpus: Any, *args: Any, **kwargs: Any) -> Any:
        builds.append(len(corpus))
        return real_index(self, corpus, *args, **kwargs)

    monkeypatch.setattr(bm25s.BM25, "index", counting)
    assert _found(_index(store, tmp_path), "walrus zoo penguin") == expected
    assert builds == []  # the same scores, from the saved index
    store.delete_article("ns", "a2")  # another process removes an article
    assert [cid.split("-")[0] for cid, _ in _found(_index(store, tmp_path), "walrus zoo penguin")] == ["a1"]
    assert builds == [1]  # the store changed: rebuilt over what is left


def test_a_damaged_bm25_cache_is_rebuilt_from_the_cached_tokens(store, tmp_path, embedder):
    write(store, embedder, WALRUS, PENGUIN)
    expected = _found(_index(store, tmp_path), "walrus zoo penguin")
    (saved,) = (tmp_path / "index").glob("*.bm25")
    for part in saved.iterdir():
        part.write_bytes(b"not an index")
    assert _found(_index(store, tmp_path), "walrus zoo penguin") == expected


def test_a_cached_index_catches_up_with_what_another_process_wrote(store, tmp_path, embedder, monkeypatch):
    write(store, embedder, WALRUS)
    _found(_index(store, tmp_path), "walrus")  # builds and saves the cache
    write(store, embedder, PENGUIN)  # another process, after the cache was saved
    reads = _reads(store, monkeypatch)
    later = _index(store, tmp_path)
    assert [cid.split("-")[0] for cid, _ in _found(later, "penguin")] == ["a2"]
    assert reads and all(cid.startswith("a2-") for cid in reads)  # only the new article's chunks
    store.delete_article("ns", "a1")
    assert _found(later, "walrus") == []
    reads.clear()
    assert _found(_index(store, tmp_path), "walrus") == []  # the saved cache followed the delete
    assert reads == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: "{not json",
        lambda data: json.dumps({**data, "tokeniser": "an older tokeniser"}),
        lambda data: json.dumps({**data, "ids": data["ids"][:-1]}),
    ],
)
def test_an_unreadable_or_outdated_cache_is_ignored_and_rewritten(store, tmp_path, embedder, damage):
    write(store, embedder, WALRUS, PENGUIN)
    expected = _found(_index(store, tmp_path), "walrus")
    (path,) = (tmp_path / "index").glob("*.json")
    path.write_text(damage(json.loads(path.read_text())))
    assert _found(_index(store, tmp_path), "walrus") == expected
    assert IndexCache(tmp_path / "index", store.label).load("ns") is not None


def test_two_stores_never_share_a_cache_file(tmp_path, embedder):
    one = ChromaStore(embedded_client(tmp_path / "one"), embedder.name, label="one")
    two = ChromaStore(embedded_client(tmp_path / "two"), embedder.name, label="two")
    write(one, embedder, WALRUS)
    write(two, embedder, PENGUIN)
    assert _found(_index(one, tmp_path), "walrus") and not _found(_index(one, tmp_path), "penguin")
    assert _found(_index(two, tmp_path), "penguin") and not _found(_index(two, tmp_path), "walrus")


def test_a_question_does_not_wait_for_the_cache_to_be_written(store, tmp_path, embedder, monkeypatch):
    write(store, embedder, WALRUS)
    release = threading.Event()
    real_save = IndexCache.save

    def slow_save(self: IndexCache, namespace: str, cached: Any) -> None:
        assert release.wait(10), "the save was never released"
        real_save(self, namespace, cached)

    monkeypatch.setattr(IndexCache, "save", slow_save)
    index = _index(store, tmp_path)
    assert [c.article_id for c in index.search("walrus", "ns", 10)] == ["a1"]  # while the save waits
    assert not list((tmp_path / "index").glob("*.json"))
    release.set()
    index.flush()
    assert IndexCache(tmp_path / "index", store.label).load("ns") is not None


def test_a_small_catch_up_is_not_worth_rewriting_the_cache(store, tmp_path, embedder, monkeypatch):
    stories = [article(f"s{n}", f"Story {n}", f"Harbour story number {n} about the ferry.") for n in range(4)]
    write(store, embedder, *stories)
    saves: list[int] = []
    real_save = IndexCache.save

    def counting_save(self: IndexCache, namespace: str, cached: Any) -> None:
        saves.append(len(cached.ids))
        real_save(self, namespace, cached)

    monkeypatch.setattr(IndexCache, "save", counting_save)
    index = _index(store, tmp_path)
    _found(index, "ferry")
    assert saves == [4]  # the first build read the whole store: saved
    write(store, embedder, WALRUS)  # one more chunk: a fifth of the namespace
    assert [cid.split("-")[0] for cid, _ in _found(index, "walrus")] == ["a1"]
    assert saves == [4]


def test_a_save_torn_between_its_two_files_never_pairs_new_vectors_with_old_chunks(tmp_path, monkeypatch):
    cache = IndexCache(tmp_path / "index", "test store")
    first = Cached(
        (2, "g1"), ["c1", "c2"], ["t1", "t2"], [{}, {}], [["t"], ["t"]], np.ones((2, 3), np.float32)
    )
    cache.save("ns", first)
    # the next save dies after writing its vectors, before the JSON that names them
    second = Cached(
        (2, "g2"), ["c3", "c4"], ["t3", "t4"], [{}, {}], [["t"], ["t"]], np.zeros((2, 3), np.float32)
    )
    real_replace = index_cache.os.replace

    def dies_on_json(src: Any, dst: Any) -> None:
        if str(dst).endswith(".json"):
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(index_cache.os, "replace", dies_on_json)
    cache.save("ns", second)
    monkeypatch.setattr(index_cache.os, "replace", real_replace)

    loaded = cache.load("ns")
    assert loaded is not None and loaded.ids == ["c1", "c2"]
    assert loaded.vectors is not None and loaded.vectors.tolist() == first.vectors.tolist()

    cache.save("ns", second)  # a whole save: its pair is read, the earlier vectors file is gone
    assert cache.load("ns").ids == ["c3", "c4"]  # type: ignore[union-attr]
    assert len(list((tmp_path / "index").glob("*.npy"))) == 1
