"""The lexical index's chunks on disk, so a new process does not read and tokenise the store again.

A one-off ``newsdesk ask`` (or a restarted bot) otherwise fetches every chunk from Chroma and
tokenises it before its first answer: seconds at thousands of chunks, about a minute at 100,000.
What is kept is only derived data (chunk texts, metadata, tokens and vectors, keyed by chunk id,
and the BM25 index over them, reused while the store is unchanged): Chroma stays the source of
truth, and the index still compares the store's fingerprint and catches up on what changed. Plain
JSON and NumPy arrays (no pickle); an unreadable, partial or outdated cache is ignored and
rewritten.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import numpy.typing as npt

from retrieval import terms as terms_module

log = logging.getLogger(__name__)

FORMAT = 3  # 2: the JSON names its vectors file; 3: and its BM25 index


@dataclass(frozen=True, slots=True)
class Cached:
    """One namespace's chunks as saved: parallel lists in ``ids`` order."""

    fingerprint: tuple[int, str] | None
    ids: list[str]
    texts: list[str]
    metas: list[dict[str, Any]]
    tokens: list[list[str]]
    vectors: npt.NDArray[np.float32] | None
    bm25: bm25s.BM25 | None = None  # the BM25 index over ``tokens`` in ``ids`` order


def _tokeniser_digest() -> str:
    """Changes whenever the tokenisation code does, so tokens of an older version are not reused."""
    return hashlib.sha256(Path(str(terms_module.__file__)).read_bytes()).hexdigest()[:16]


class IndexCache:
    """Saves and loads :class:`Cached` chunks under ``directory``, one pair of files a namespace.

    Args:
        directory: Where the files go (created on the first save).
        store_label: Names the store, so two stores never share a file.
    """

    def __init__(self, directory: Path, store_label: str) -> None:
        self.directory = directory
        self._label = store_label
        self._tokeniser = _tokeniser_digest()

    def _key(self, namespace: str) -> str:
        return hashlib.sha256(f"{self._label}\0{namespace}".encode()).hexdigest()[:20]

    def load(self, namespace: str) -> Cached | None:
        """The saved chunks of ``namespace``, or ``None`` when there are none usable."""
        meta_path = self.directory / f"{self._key(namespace)}.json"
        try:
            with meta_path.open(encoding="utf-8") as fh:
                data = json.load(fh)
            if data.get("format") != FORMAT or data.get("tokeniser") != self._tokeniser:
                return None
            ids = [str(i) for i in data["ids"]]
            texts, metas, tokens = data["texts"], data["metas"], data["tokens"]
            vectors = None
            if data.get("vectors"):
                # the file this JSON names: never one a later, unfinished save wrote
                vectors = np.load(self.directory / Path(str(data["vectors"])).name, allow_pickle=False)
                if vectors.shape[0] != len(ids):
                    raise ValueError("vectors and chunks do not match")
            if not len(ids) == len(texts) == len(metas) == len(tokens):
                raise ValueError("lists of different lengths")
            fp = data.get("fingerprint")
            fingerprint = (int(fp[0]), str(fp[1])) if fp else None
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            log.warning("ignoring the unreadable index cache %s: %s", meta_path, exc)
            return None
        return Cached(fingerprint, ids, texts, metas, tokens, vectors, self._load_bm25(data))

    def _load_bm25(self, data: dict[str, Any]) -> bm25s.BM25 | None:
        """The saved BM25 index, or ``None`` (then it is rebuilt from the tokens).

        The index checks that it covers the chunks and settings it has before using it.
        """
        if not data.get("bm25"):
            return None
        path = self.directory / Path(str(data["bm25"])).name
        try:
            bm25 = bm25s.BM25.load(str(path), mmap=False, show_progress=False)
        except Exception as exc:  # derived data: whatever is wrong with it, rebuild it
            log.warning("ignoring the unreadable BM25 cache %s: %s", path, exc)
            return None
        return bm25

    def save(self, namespace: str, cached: Cached) -> None:
        """Write ``cached``: vectors and BM25 index to new files, then the JSON naming them.

        The JSON is replaced atomically and last, so a save cut short leaves the previous save
        whole: vectors and BM25 go to files of their own and can never be read with another
        save's chunk list. Files no JSON names any more are removed afterwards (a process saving
        the same namespace at the same moment may lose its files that way: a cache miss, no
        wrong answer).
        """
        key = self._key(namespace)
        meta_path = self.directory / f"{key}.json"
        vector_name = bm25_name = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if cached.vectors is not None:
                vector_name = f"{key}-{uuid.uuid4().hex[:12]}.npy"
                tmp = self.directory / f"{vector_name}.tmp.npy"
                np.save(tmp, cached.vectors, allow_pickle=False)
                os.replace(tmp, self.directory / vector_name)
            if cached.bm25 is not None:
                bm25_name = f"{key}-{uuid.uuid4().hex[:12]}.bm25"
                tmp_dir = self.directory / f"{bm25_name}.tmp"
                cached.bm25.save(str(tmp_dir), show_progress=False)
                os.replace(tmp_dir, self.directory / bm25_name)
            data = {
                "format": FORMAT,
                "tokeniser": self._tokeniser,
                "store": self._label,
                "namespace": namespace,
                "fingerprint": list(cached.fingerprint) if cached.fingerprint else None,
                "ids": cached.ids,
                "texts": cached.texts,
                "metas": cached.metas,
                "tokens": cached.tokens,
                "vectors": vector_name,
                "bm25": bm25_name,
            }
            tmp = meta_path.with_suffix(".tmp")
            with tmp.open("w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, meta_path)
        except OSError as exc:  # a read-only or full disk costs speed, never an answer
            log.warning("could not save the index cache in %s: %s", self.directory, exc)
            return
        (self.directory / f"{key}.npy").unlink(missing_ok=True)  # where format 1 kept the vectors
        for stale in self.directory.glob(f"{key}-*"):  # earlier (or unfinished) saves' files
            if stale.name not in (vector_name, bm25_name):
                if stale.is_dir():
                    shutil.rmtree(stale, ignore_errors=True)
                else:
                    stale.unlink(missing_ok=True)
