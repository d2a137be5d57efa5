"""The Chroma store contract: one collection per namespace, one record per chunk.

Every chunk record carries its article's metadata, so an article lives entirely in its chunks and
anything derived (the lexical index, article lists) can be rebuilt from Chroma alone.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings

from retrieval.embedder import DIMENSIONS, Vectors
from retrieval.errors import InvalidNamespace, StoreLayoutError, StoreUnavailable
from retrieval.models import Article, Chunk, RetrievedChunk
from retrieval.urls import canonical_url, is_url

log = logging.getLogger(__name__)

COLLECTION_PREFIX = "newsdesk_"
SCHEMA_VERSION = 1
_NAMESPACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$")
_PAGE = 2000
# stored_hashes() of an article whose chunks are not one complete version.
INCOMPLETE = "incomplete"
GENERATION_KEY = "generation"
# Seconds one request to a Chroma server may take (the client's own default is to wait forever).
SERVER_TIMEOUT = 30.0
SERVER_CONNECT_TIMEOUT = 5.0
# What Chroma says when the file under the data directory is not a database it can read.
_UNREADABLE = ("not a database", "malformed", "database disk image", "file is encrypted", "migration")


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """An article as the store knows it (from its first chunk's metadata)."""

    id: str
    title: str
    url: str | None
    published_at: datetime | None
    source: str | None
    chunks: int
    content_hash: str
    ingested_at: datetime | None
    added_by: str | None = None


def collection_name(namespace: str) -> str:
    """The Chroma collection of a namespace (``default``, or a Discord guild id)."""
    if not _NAMESPACE.match(namespace):
        raise InvalidNamespace(
            f"invalid namespace {namespace!r}: use 1-41 letters, digits, '-' or '_', starting alphanumeric"
        )
    return COLLECTION_PREFIX + namespace


def embedded_client(path: Path) -> ClientAPI:
    """A Chroma ``PersistentClient`` under ``path`` (telemetry off: this machine stays offline)."""
    path.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    except Exception as exc:
        if any(marker in str(exc).lower() for marker in _UNREADABLE):
            # Never repaired or recreated here: the files may be the only copy of the user's data.
            raise StoreLayoutError(
                f"the news store at {path} is not a Chroma database this version can read ({exc}); "
                "its files were left untouched: move them aside or set NEWSDESK_DATA_DIR to a new folder"
            ) from exc
        raise StoreUnavailable(f"cannot open the news store at {path}: {exc}") from exc


def http_client(
    host: str,
    port: int,
    *,
    ssl: bool = False,
    headers: dict[str, str] | None = None,
    token: str | None = None,
    ssl_verify: bool | str | None = None,
) -> ClientAPI:
    """A client of a Chroma server.

    Args:
        host: Server host name or address.
        port: Server port.
        ssl: Speak HTTPS.
        headers: Extra headers sent with every request.
        token: Sent as ``Authorization: Bearer <token>`` (Chroma's token auth, or a proxy's).
        ssl_verify: ``False`` to skip certificate checks, or the path of a CA bundle; ``None``
            uses the system's CAs.
    """
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    try:
        client = chromadb.HttpClient(
            host=host,
            port=port,
            ssl=ssl,
            headers=sent or None,
            settings=ChromaSettings(anonymized_telemetry=False, chroma_server_ssl_verify=ssl_verify),
        )
    except Exception as exc:
        raise StoreUnavailable(f"the news store is unreachable (Chroma server {host}:{port})") from exc
    _bound_requests(client)
    return client


def _bound_requests(client: ClientAPI) -> None:
    """Give the client's HTTP session a timeout, so a hung server cannot hang a question forever."""
    session = getattr(getattr(client, "_server", None), "_session", None)
    if session is not None:
        import httpx

        session.timeout = httpx.Timeout(SERVER_TIMEOUT, connect=SERVER_CONNECT_TIMEOUT)


class ChromaStore:
    """Reads and writes articles' chunks in Chroma, one collection per namespace.

    Args:
        client: An embedded or HTTP Chroma client.
        embedder_name: Recorded on each collection so vectors of another model are never mixed in.
        label: How to name the store in error messages (a path or ``host:port``).
    """

    def __init__(self, client: ClientAPI, embedder_name: str, label: str = "Chroma") -> None:
        self._client = client
        self._embedder_name = embedder_name
        self.label = label
        self._max_batch: int | None = None

    def collection(self, namespace: str, *, create: bool = False) -> Collection | None:
        """The namespace's collection, or ``None`` when it has none and ``create`` is false."""
        name = collection_name(namespace)
        try:
            if create:
                col = self._client.get_or_create_collection(
                    name,
                    embedding_function=None,
                    configuration={"hnsw": {"space": "cosine"}},
                    metadata={"embedder": self._embedder_name, "schema": SCHEMA_VERSION},
                )
            else:
                col = self._client.get_collection(name, embedding_function=None)
        except Exception as exc:
            if not create and _is_missing(exc):
                return None
            raise self._unavailable(exc) from exc
        self._check_layout(col)
        return col

    def _check_layout(self, col: Collection) -> None:
        """Refuse a collection written by another embedder or schema: mixing would corrupt it."""
        meta = col.metadata or {}
        embedder, schema = meta.get("embedder"), meta.get("schema")
        if embedder == self._embedder_name and schema == SCHEMA_VERSION:
            return
        raise StoreLayoutError(
            f"collection {col.name} in {self.label} was written with embedder {embedder or 'unknown'} "
            f"(schema {schema if schema is not None else 'unknown'}); this version uses "
            f"{self._embedder_name} (schema {SCHEMA_VERSION}). It was left untouched: use another "
            "namespace or data directory, or re-ingest after removing it"
        )

    def namespaces(self) -> list[str]:
        """Namespaces that hold a collection."""
        try:
            names = [c if isinstance(c, str) else c.name for c in self._client.list_collections()]
        except Exception as exc:
            raise self._unavailable(exc) from exc
        return sorted(n[len(COLLECTION_PREFIX) :] for n in names if n.startswith(COLLECTION_PREFIX))

    def stored_hashes(self, namespace: str, article_ids: Sequence[str]) -> dict[str, str]:
        """Content hash of the stored version of each of ``article_ids`` that is stored.

        One query for the lot: ingest asks this for a whole group of articles at a time. A partly
        written article (chunks of two versions left by an interrupted update, or fewer chunks
        than it should have) answers :data:`INCOMPLETE`, which matches no real hash, so the next
        ingest rewrites it instead of skipping it.
        """
        col = self.collection(namespace)
        if col is None or not article_ids:
            return {}
        where = {"article_id": {"$in": list(dict.fromkeys(article_ids))}}
        metas: dict[str, list[dict[str, Any]]] = {}
        for _, _, meta in self._pages(col, where=where, documents=False):
            metas.setdefault(str(meta.get("article_id")), []).append(meta)
        out: dict[str, str] = {}
        for article_id, found in metas.items():
            hashes = {str(m.get("content_hash")) for m in found}
            expected = {int(m.get("n_chunks", 0)) for m in found}
            out[article_id] = hashes.pop() if len(hashes) == 1 and expected == {len(found)} else INCOMPLETE
        return out

    def hashes_present(self, namespace: str, content_hashes: Sequence[str]) -> set[str]:
        """Which of ``content_hashes`` some stored article has (the same story under another id)."""
        col = self.collection(namespace)
        if col is None or not content_hashes:
            return set()
        wanted = list(dict.fromkeys(content_hashes))
        # The first chunk of each article is enough: every chunk of it carries the same hash.
        where = {"$and": [{"content_hash": {"$in": wanted}}, {"index": 0}]}
        return {str(m.get("content_hash")) for _, _, m in self._pages(col, where=where, documents=False)}

    def write_article(
        self, namespace: str, article: Article, chunks: Sequence[Chunk], vectors: Vectors
    ) -> int:
        """Store one article (see :meth:`write_articles`); returns the stale chunks removed."""
        return self.write_articles(namespace, [(article, chunks, vectors)])[0]

    def write_articles(
        self, namespace: str, batch: Sequence[tuple[Article, Sequence[Chunk], Vectors]]
    ) -> list[int]:
        """Store articles' chunks in one upsert, then drop chunks of their older versions.

        One upsert (more only past Chroma's batch limit, never splitting an article), one lookup
        and one generation bump for the whole batch: per-article calls made Chroma's overhead a
        large share of ingest time. An interrupted batch leaves whole articles or articles that
        :meth:`stored_hashes` reports :data:`INCOMPLETE`, which the next ingest rewrites.

        Returns:
            For each article, the number of stale chunks removed (0 for a new article).
        """
        if not batch:
            return []
        col = self.collection(namespace, create=True)
        assert col is not None  # noqa: S101 -- create=True never returns None
        now = datetime.now(UTC).isoformat()
        for run in _runs(batch, self._batch_limit()):
            ids: list[str] = []
            documents: list[str] = []
            metas: list[Any] = []
            for article, chunks, _ in run:
                ids.extend(c.id for c in chunks)
                documents.extend(c.text for c in chunks)
                metas.extend(_chunk_metadata(article, chunk, len(chunks), now) for chunk in chunks)
            vectors = np.concatenate(
                [np.asarray(v, dtype=np.float32).reshape(-1, DIMENSIONS) for _, _, v in run]
            )
            self._call(col.upsert, ids=ids, documents=documents, embeddings=vectors, metadatas=metas)
        # Any other chunk of these articles is stale: an older version's, or one an article
        # re-cut into fewer chunks left behind.
        written = {c.id for _, chunks, _ in batch for c in chunks}
        where = {"article_id": {"$in": [article.id for article, _, _ in batch]}}
        stale: dict[str, list[str]] = {}
        for cid, _, meta in self._pages(col, where=where, documents=False):
            if cid not in written:
                stale.setdefault(str(meta.get("article_id")), []).append(cid)
        gone = [cid for found in stale.values() for cid in found]
        limit = self._batch_limit()
        for lo in range(0, len(gone), limit):
            self._call(col.delete, ids=gone[lo : lo + limit])
        self._touch(col)
        return [len(stale.get(article.id, [])) for article, _, _ in batch]

    def _batch_limit(self) -> int:
        """Most records Chroma takes in one call (asked once)."""
        if self._max_batch is None:
            self._max_batch = int(self._call(self._client.get_max_batch_size))
        return self._max_batch

    def delete_article(self, namespace: str, article_id: str) -> int:
        """Remove every chunk of an article; returns how many were removed."""
        return self._delete_where(namespace, {"article_id": article_id})

    def delete_added_by(self, namespace: str, added_by: str) -> int:
        """Remove every chunk of the articles ``added_by`` stored; returns how many were removed."""
        return self._delete_where(namespace, {"added_by": added_by})

    def _delete_where(self, namespace: str, where: dict[str, Any]) -> int:
        col = self.collection(namespace)
        if col is None:
            return 0
        ids = self._call(col.get, where=where, include=[])["ids"]
        step = self._batch_limit()
        for lo in range(0, len(ids), step):  # a whole feed's articles can pass Chroma's batch limit
            self._call(col.delete, ids=ids[lo : lo + step])
        if ids:
            self._touch(col)
        return len(ids)

    def find_article(self, namespace: str, key: str) -> ArticleSummary | None:
        """An article by id or by URL; a URL is also tried in its canonical form (the one stored),
        so one copied from a browser, with ``www.`` or tracking parameters, still finds it."""
        col = self.collection(namespace)
        if col is None:
            return None
        key = key.strip()
        lookups = [("article_id", key), ("url", key)]
        if is_url(key) and canonical_url(key) != key:
            lookups.append(("url", canonical_url(key)))
        for field, value in lookups:
            got = self._call(col.get, where={"$and": [{field: value}, {"index": 0}]}, include=["metadatas"])
            if got["ids"]:
                return _summary(got["metadatas"][0])
        return None

    def articles(self, namespace: str) -> list[ArticleSummary]:
        """Every article of the namespace, newest first."""
        col = self.collection(namespace)
        if col is None:
            return []
        out = [_summary(m) for _, _, m in self._pages(col, where={"index": 0}, documents=False)]
        epoch = datetime.min.replace(tzinfo=UTC)
        out.sort(key=lambda a: (a.published_at or epoch, a.title), reverse=True)
        return out

    def stored_articles(
        self, namespace: str, article_id: str | None = None, added_by: str | None = None
    ) -> tuple[list[Article], list[str]]:
        """The namespace's articles (or the one ``article_id`` names, or those ``added_by`` stored)
        rebuilt from their chunks (oldest first), and the ids of those that could not be.

        Each chunk's text is put back at its offsets in the body. Chunks end at sentence ends, so
        the only text no chunk holds is whitespace between them, which comes back as newlines (a
        sentence break either way). An article is rebuilt from one complete version of its chunks
        (one content hash and chunk count, every index present; the latest written when an
        interrupted update left two); one with no complete version cannot be.
        """
        col = self.collection(namespace)
        if col is None:
            return [], []
        versions: dict[str, dict[tuple[str, int], list[tuple[str, dict[str, Any]]]]] = {}
        where = {"article_id": article_id} if article_id is not None else None
        if added_by is not None:
            where = {"added_by": added_by}
        for _, text, meta in self._pages(col, where=where, documents=True):
            key = (str(meta.get("content_hash")), int(meta.get("n_chunks", 0)))
            versions.setdefault(str(meta.get("article_id")), {}).setdefault(key, []).append((text, meta))
        articles: list[Article] = []
        broken: list[str] = []
        for article_id, found in versions.items():
            complete = [
                chunks
                for (_, n), chunks in found.items()
                if sorted(int(m.get("index", -1)) for _, m in chunks) == list(range(n))
            ]
            if not complete:
                broken.append(article_id)
                continue
            chunks = max(complete, key=lambda cs: max(str(m.get("ingested_at", "")) for _, m in cs))
            articles.append(_rebuilt(article_id, chunks))
        epoch = datetime.min.replace(tzinfo=UTC)
        articles.sort(key=lambda a: (a.published_at or epoch, a.id))
        return articles, sorted(broken)

    def first_chunks(self, namespace: str, limit: int) -> list[str]:
        """Texts of the first chunks of up to ``limit`` articles cut into several."""
        col = self.collection(namespace)
        if col is None:
            return []
        where = {"$and": [{"index": 0}, {"n_chunks": {"$gte": 2}}]}
        got = self._call(col.get, where=where, limit=limit, include=["documents"])
        return list(got["documents"] or [])

    def iter_chunks(self, namespace: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """``(chunk_id, text, metadata)`` for every chunk (for derived indexes)."""
        col = self.collection(namespace)
        if col is None:
            return
        yield from self._pages(col, where=None, documents=True)

    def fingerprint(self, namespace: str) -> tuple[int, str] | None:
        """``(chunk count, write generation)`` of a namespace, or ``None`` when it has no collection.

        Every write through this class stores a fresh random generation in the collection's
        metadata, so an index derived from the collection (the lexical index) can see, with one
        cheap call, that another process added, replaced or removed articles.
        """
        col = self.collection(namespace)
        if col is None:
            return None
        generation = str((col.metadata or {}).get(GENERATION_KEY, ""))
        return int(self._call(col.count)), generation

    def count(self, namespace: str) -> int:
        """Number of chunks in the namespace."""
        col = self.collection(namespace)
        return 0 if col is None else int(self._call(col.count))

    def query(
        self, namespace: str, vector: Vectors, k: int, where: dict[str, Any] | None = None
    ) -> list[RetrievedChunk]:
        """Nearest chunks by cosine similarity (score = 1 - distance)."""
        col = self.collection(namespace)
        if col is None:
            return []
        total = self._call(col.count)
        if total == 0:
            return []
        res = self._call(
            col.query,
            query_embeddings=[vector],
            n_results=min(k, total),
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        ids = res["ids"][0]
        docs = (res.get("documents") or [[]])[0]
        metas = (res.get("metadatas") or [[]])[0]
        dists = (res.get("distances") or [[]])[0]
        return [
            to_retrieved(cid, doc or "", dict(meta), 1.0 - float(dist))
            for cid, doc, meta, dist in zip(ids, docs, metas, dists, strict=True)
        ]

    def chunk_ids(self, namespace: str) -> list[str]:
        """Ids of every chunk of the namespace (no documents or vectors are read)."""
        col = self.collection(namespace)
        if col is None:
            return []
        ids: list[str] = []
        offset = 0
        while True:
            got = self._call(col.get, limit=_PAGE * 5, offset=offset, include=[])
            ids.extend(got["ids"])
            if len(got["ids"]) < _PAGE * 5:
                return ids
            offset += _PAGE * 5

    def get_chunks(self, namespace: str, ids: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """Text and metadata of chunks by id."""
        col = self.collection(namespace)
        if col is None or not ids:
            return {}
        got = self._call(col.get, ids=list(ids), include=["documents", "metadatas"])
        return {
            cid: (doc or "", dict(meta))
            for cid, doc, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
        }

    def _touch(self, col: Collection) -> None:
        # A random token, not a counter: two writers racing on read-modify-write would lose an
        # increment, but each always leaves a value no reader has seen before.
        meta = dict(col.metadata or {})
        meta[GENERATION_KEY] = uuid.uuid4().hex
        meta.pop("hnsw:space", None)  # configuration keys cannot be modified through metadata
        self._call(col.modify, metadata=meta)

    def get_vectors(self, namespace: str, ids: Sequence[str]) -> dict[str, Any]:
        """Stored embeddings of chunks by id (for derived in-memory indexes)."""
        col = self.collection(namespace)
        if col is None or not ids:
            return {}
        got = self._call(col.get, ids=list(ids), include=["embeddings"])
        vectors = got.get("embeddings")
        if vectors is None:
            return {}
        return dict(zip(got["ids"], vectors, strict=True))

    def heartbeat(self) -> None:
        """Raise :class:`StoreUnavailable` unless the store answers."""
        self._call(self._client.heartbeat)

    def _pages(
        self, col: Collection, where: dict[str, Any] | None, documents: bool
    ) -> Iterator[tuple[str, str, dict[str, Any]]]:
        include: list[Any] = ["metadatas", "documents"] if documents else ["metadatas"]
        offset = 0
        while True:
            got = self._call(col.get, where=where, limit=_PAGE, offset=offset, include=include)
            docs = got.get("documents") or [""] * len(got["ids"])
            for cid, doc, meta in zip(got["ids"], docs, got["metadatas"] or [], strict=True):
                yield cid, doc or "", dict(meta)
            if len(got["ids"]) < _PAGE:
                return
            offset += _PAGE

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (ValueError, TypeError, KeyError):
            raise
        except Exception as exc:
            raise self._unavailable(exc) from exc

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        log.warning("store error at %s: %s", self.label, exc)
        return StoreUnavailable(f"the news store is unreachable ({self.label})")


def _runs(
    batch: Sequence[tuple[Article, Sequence[Chunk], Vectors]], limit: int
) -> Iterator[list[tuple[Article, Sequence[Chunk], Vectors]]]:
    """Consecutive articles of ``batch`` whose chunks fit in ``limit`` records (one article at least)."""
    run: list[tuple[Article, Sequence[Chunk], Vectors]] = []
    size = 0
    for item in batch:
        if run and size + len(item[1]) > limit:
            yield run
            run, size = [], 0
        run.append(item)
        size += len(item[1])
    if run:
        yield run


def _is_missing(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return "notfound" in text or "does not exist" in text or "not found" in text


def _chunk_metadata(article: Article, chunk: Chunk, n_chunks: int, now: str) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "article_id": article.id,
        "title": article.title,
        "content_hash": article.content_hash,
        "index": chunk.index,
        "n_chunks": n_chunks,
        "start": chunk.start,
        "end": chunk.end,
        # a re-cut article keeps the moment it was first stored
        "ingested_at": article.ingested_at.isoformat() if article.ingested_at else now,
        # 0 marks an undated article, so a "published before" filter keeps it reachable.
        "published_ts": int(article.published_at.timestamp()) if article.published_at else 0,
    }
    if article.url:
        meta["url"] = article.url
    if article.source:
        meta["source"] = article.source
    if article.published_at:
        meta["published_at"] = article.published_at.isoformat()
    if article.added_by:
        meta["added_by"] = article.added_by
    return meta


def _parse_moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_retrieved(chunk_id: str, text: str, meta: dict[str, Any], score: float) -> RetrievedChunk:
    """Build a :class:`RetrievedChunk` from a stored record."""
    return RetrievedChunk(
        chunk_id=chunk_id,
        article_id=str(meta["article_id"]),
        title=str(meta.get("title", "")),
        text=text,
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", len(text))),
        score=score,
        url=meta.get("url"),
        published_at=_parse_moment(meta.get("published_at")),
        source=meta.get("source"),
    )


def _rebuilt(article_id: str, chunks: list[tuple[str, dict[str, Any]]]) -> Article:
    """An article from one complete version of its chunks (see ``stored_articles``)."""
    ordered = sorted(chunks, key=lambda c: int(c[1].get("index", 0)))
    body: list[str] = []
    end = 0
    for text, meta in ordered:
        start = int(meta.get("start", 0))
        if start > end:
            body.append("\n" * (start - end))
            end = start
        body.append(text[end - start :])
        end = max(end, start + len(text))
    about = _summary(ordered[0][1])
    return Article(
        id=article_id,
        title=about.title,
        body="".join(body),
        published_at=about.published_at,
        url=about.url,
        source=about.source,
        ingested_at=about.ingested_at,
        added_by=about.added_by,
    )


def _summary(meta: Any) -> ArticleSummary:
    return ArticleSummary(
        id=str(meta["article_id"]),
        title=str(meta.get("title", "")),
        url=meta.get("url"),
        published_at=_parse_moment(meta.get("published_at")),
        source=meta.get("source"),
        chunks=int(meta.get("n_chunks", 0)),
        content_hash=str(meta.get("content_hash", "")),
        ingested_at=_parse_moment(meta.get("ingested_at")),
        added_by=meta.get("added_by") or None,
    )
