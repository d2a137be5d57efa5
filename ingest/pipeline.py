"""Ingest sources into a namespace: parse, chunk, embed in batches, write through the store."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ingest.chunking import DEFAULT_MAX_TOKENS, DEFAULT_OVERLAP_TOKENS, chunk_article
from ingest.errors import IngestError, UnsupportedSource
from ingest.loaders import DEFAULT_MAX_FILE_BYTES, Item, iter_path
from retrieval.embedder import Embedder, Vectors
from retrieval.models import Article, Chunk
from retrieval.store import ChromaStore
from retrieval.urls import is_url

log = logging.getLogger(__name__)

# Articles chunked and embedded together: big batches keep the embedder busy.
_GROUP = 32
DEFAULT_MAX_ARTICLE_CHARS = 200_000

Progress = Callable[[int], None]
UrlLoader = Callable[[str], Iterable[Item]]


@dataclass(slots=True)
class ArticleResult:
    """What happened to one article: ``added``, ``updated`` or ``skipped`` (already stored)."""

    id: str
    title: str
    status: str
    chunks: int
    published_at: str | None = None
    url: str | None = None
    source: str | None = None


@dataclass(slots=True)
class IngestReport:
    """The outcome of one ingest call (the CLI's ``--json`` report)."""

    articles_added: int = 0
    articles_updated: int = 0
    articles_skipped: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    articles: list[ArticleResult] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "articles_added": self.articles_added,
            "articles_updated": self.articles_updated,
            "articles_skipped": self.articles_skipped,
            "chunks_added": self.chunks_added,
            "chunks_removed": self.chunks_removed,
            "errors": list(self.errors),
            "articles": [{k: getattr(a, k) for k in ArticleResult.__slots__} for a in self.articles],
            "seconds": round(self.seconds, 3),
        }


class Ingestor:
    """Writes articles into the store, idempotently.

    Args:
        store: Where chunks go.
        embedder: Embeds chunk texts (title plus chunk).
        max_tokens: Chunk size in tiktoken tokens.
        overlap_tokens: Overlap between consecutive chunks.
        url_loader: Fetches a URL into articles; without one, URLs are refused.
        max_file_bytes: Largest file read.
        max_article_chars: Longest body accepted; a longer one is refused (it would cost
            thousands of embeddings and is no news article).
    """

    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        *,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        overlap_tokens: int = DEFAULT_OVERLAP_TOKENS,
        url_loader: UrlLoader | None = None,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        max_article_chars: int = DEFAULT_MAX_ARTICLE_CHARS,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens
        self.url_loader = url_loader
        self.max_file_bytes = max_file_bytes
        self.max_article_chars = max_article_chars

    def items(self, sources: Iterable[str]) -> Iterator[Item]:
        """Parsed articles (or per-item errors) of paths and URLs, in order."""
        for source in sources:
            if is_url(source):
                if self.url_loader is None:
                    yield (source, UnsupportedSource(f"{source}: URL ingestion is not configured"))
                    continue
                yield from self.url_loader(source)
            else:
                yield from iter_path(Path(source), self.max_file_bytes)

    def ingest(
        self,
        sources: Iterable[str],
        namespace: str = "default",
        progress: Progress | None = None,
        added_by: str | None = None,
    ) -> IngestReport:
        """Ingest files, folders and URLs; a bad item is reported and the rest still go in."""
        return self.ingest_items(self.items(sources), namespace, progress, added_by=added_by)

    def ingest_items(
        self,
        items: Iterable[Item],
        namespace: str = "default",
        progress: Progress | None = None,
        rewrite: bool = False,
        added_by: str | None = None,
    ) -> IngestReport:
        """Ingest already-parsed items (articles or per-item errors).

        An article stored unchanged is skipped, unless ``rewrite``: then it is chunked and
        embedded again with the current settings, and replaces its stored chunks. ``added_by``
        says who or what stored the new and changed articles (:attr:`Article.added_by`).
        """
        started = time.perf_counter()
        report = IngestReport()
        # One group is written while the next is chunked and embedded, so the embedder is not
        # idle during Chroma writes; a single writer keeps groups landing in order.
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
        try:
            if added_by:
                items = ((origin, _by(item, added_by)) for origin, item in items)
            pending = self._ingest_loop(items, namespace, report, progress, writer, rewrite)
            self._finish(pending, report, progress)
        finally:
            writer.shutdown(wait=True)
        report.seconds = time.perf_counter() - started
        log.info(
            "ingest namespace=%s added=%d updated=%d skipped=%d chunks=%d errors=%d seconds=%.2f",
            namespace,
            report.articles_added,
            report.articles_updated,
            report.articles_skipped,
            report.chunks_added,
            len(report.errors),
            report.seconds,
        )
        return report

    def _ingest_loop(
        self,
        items: Iterable[Item],
        namespace: str,
        report: IngestReport,
        progress: Progress | None,
        writer: ThreadPoolExecutor,
        rewrite: bool = False,
    ) -> _Pending | None:
        group: list[Article] = []
        seen: set[str] = set()
        pending: _Pending | None = None
        for origin, item in items:
            if isinstance(item, IngestError):
                report.errors.append({"source": origin, "error": str(item)})
                if progress:
                    progress(1)
                continue
            if len(item.body) > self.max_article_chars:
                reason = (
                    f"{origin}: too long for one article ({len(item.body):,} characters; "
                    f"limit {self.max_article_chars:,})"
                )
                report.errors.append({"source": origin, "error": reason})
                if progress:
                    progress(1)
                continue
            if item.id in seen or item.content_hash in seen:  # the same story twice in one batch
                report.articles_skipped += 1
                continue
            seen.update((item.id, item.content_hash))
            group.append(item)
            if len(group) >= _GROUP:
                pending = self._write_group(group, namespace, report, progress, writer, pending, rewrite)
                group = []
        if group:
            pending = self._write_group(group, namespace, report, progress, writer, pending, rewrite)
        return pending

    def rechunk(self, namespace: str = "default", progress: Progress | None = None) -> IngestReport:
        """Cut every stored article of ``namespace`` again with the current chunk settings.

        For a store written with another chunk size (or before chunk vectors read two windows):
        each article is rebuilt from its chunks (:meth:`ChromaStore.stored_articles`), chunked and
        embedded again, and written over its old chunks, which are then removed. An article
        whose chunks are incomplete is reported, not touched; an interrupted run is finished by
        running it again.
        """
        articles, broken = self.store.stored_articles(namespace)
        items = ((f"{namespace}/{a.id}", a) for a in articles)
        report = self.ingest_items(items, namespace, progress, rewrite=True)
        for article_id in broken:
            reason = "chunks missing; ingest it again from its source"
            report.errors.append({"source": f"{namespace}/{article_id}", "error": reason})
        return report

    def chunk(self, article: Article) -> list[Chunk]:
        """Sentence-aligned chunks of about ``max_tokens`` tiktoken tokens."""
        return chunk_article(article, self.max_tokens, self.overlap_tokens)

    def _write_group(
        self,
        group: list[Article],
        namespace: str,
        report: IngestReport,
        progress: Progress | None,
        writer: ThreadPoolExecutor,
        pending: _Pending | None,
        rewrite: bool = False,
    ) -> _Pending:
        """Chunk and embed a group, account for the previous one, then hand this one to the writer."""
        skipped: list[ArticleResult] = []
        todo: list[tuple[Article, list[Chunk], bool]] = []
        stored_hashes = self.store.stored_hashes(namespace, [a.id for a in group])
        new = [a.content_hash for a in group if a.id not in stored_hashes]
        elsewhere = self.store.hashes_present(namespace, new)
        for article in group:
            stored = stored_hashes.get(article.id)
            if stored == article.content_hash and not rewrite:
                skipped.append(_result(article, "skipped", 0))
                continue
            if stored is None and article.content_hash in elsewhere:
                # The same text stored under another id: one story reached by two links.
                skipped.append(_result(article, "skipped", 0))
                continue
            todo.append((article, self.chunk(article), stored is not None))
        # The headline gives every chunk's vector its story's context.
        vectors = self.embedder.embed_passages([(a.title, c.text) for a, chunks, _ in todo for c in chunks])
        self._finish(pending, report, progress)  # raises if the previous group failed to store
        future = writer.submit(self._store_group, namespace, todo, vectors)
        return _Pending(future, skipped, todo, len(group))

    def _store_group(
        self, namespace: str, todo: list[tuple[Article, list[Chunk], bool]], vectors: Vectors
    ) -> list[int]:
        batch = []
        offset = 0
        for article, chunks, _ in todo:
            batch.append((article, chunks, vectors[offset : offset + len(chunks)]))
            offset += len(chunks)
        return self.store.write_articles(namespace, batch)

    @staticmethod
    def _finish(pending: _Pending | None, report: IngestReport, progress: Progress | None) -> None:
        """Wait for a group's writes, then count it in the report (in the order it was read)."""
        if pending is None:
            return
        removed = pending.future.result()
        report.articles_skipped += len(pending.skipped)
        report.articles.extend(pending.skipped)
        for (article, chunks, existed), gone in zip(pending.todo, removed, strict=True):
            report.chunks_added += len(chunks)
            report.chunks_removed += gone
            if existed:
                report.articles_updated += 1
            else:
                report.articles_added += 1
            report.articles.append(_result(article, "updated" if existed else "added", len(chunks)))
        if progress:
            progress(pending.size)


@dataclass(slots=True)
class _Pending:
    """A group handed to the writer, with what the report needs once it is stored."""

    future: Future[list[int]]
    skipped: list[ArticleResult]
    todo: list[tuple[Article, list[Chunk], bool]]
    size: int


def _by(item: Article | IngestError, added_by: str) -> Article | IngestError:
    return replace(item, added_by=added_by) if isinstance(item, Article) else item


def _result(article: Article, status: str, chunks: int) -> ArticleResult:
    return ArticleResult(
        id=article.id,
        title=article.title,
        status=status,
        chunks=chunks,
        published_at=article.published_at.isoformat() if article.published_at else None,
        url=article.url,
        source=article.source,
    )
