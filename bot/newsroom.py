"""The composition root's product: one object both front ends call, sync and async."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from bot.settings import Settings
from ingest.errors import AttachmentTooLarge, UrlRefused
from ingest.feeds import FeedPoller
from ingest.fetch import Fetcher, FetchLimits
from ingest.loaders import Item, UrlLoader, articles_from_bytes, limit_items
from ingest.pipeline import Ingestor, IngestReport, Progress
from ingest.subscriptions import FeedRegistry
from retrieval.embedder import MiniLMEmbedder
from retrieval.errors import NewsdeskError
from retrieval.extractive import ExtractiveAnswerer
from retrieval.index_cache import IndexCache
from retrieval.lexical import LexicalIndex
from retrieval.models import Answer, Article
from retrieval.search import Retriever
from retrieval.service import Answerer, AskService, Limits
from retrieval.store import ArticleSummary, ChromaStore, embedded_client, http_client
from retrieval.urls import is_url

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
log = logging.getLogger(__name__)


def answerer_for(settings: Settings) -> Answerer:
    """Extractive answers, or a chat model's answers (citations checked) when one is configured."""
    if not settings.chat_model:
        return ExtractiveAnswerer()
    # Imported here: LangChain's chat-model machinery adds half a second to every command.
    from retrieval.llm import LLMAnswerer, chat_model_from_spec

    key = settings.chat_api_key.get_secret_value() if settings.chat_api_key else None
    model = chat_model_from_spec(
        settings.chat_model,
        base_url=settings.chat_base_url,
        api_key=key,
        timeout_seconds=settings.chat_timeout_seconds,
    )
    return LLMAnswerer(model, max_context_tokens=settings.chat_max_context_tokens)


def store_from_settings(settings: Settings, embedder_name: str) -> ChromaStore:
    """The embedded store under the data directory, or a Chroma server's when a host is set."""
    if not settings.chroma_host:
        path = settings.data_dir / "chroma"
        return ChromaStore(embedded_client(path), embedder_name, label=str(path))
    verify: bool | str | None = settings.chroma_ssl_verify or None
    if isinstance(verify, str) and verify.strip().lower() in ("false", "0", "no", "off"):
        verify = False
    client = http_client(
        settings.chroma_host,
        settings.chroma_port,
        ssl=settings.chroma_ssl,
        token=settings.chroma_token.get_secret_value() if settings.chroma_token else None,
        ssl_verify=verify,
    )
    label = f"Chroma server {settings.chroma_host}:{settings.chroma_port}"
    return ChromaStore(client, embedder_name, label=label)


def fetcher_from_settings(settings: Settings) -> Fetcher:
    """The SSRF-safe fetcher with the configured limits."""
    return Fetcher(
        FetchLimits(
            max_bytes=settings.fetch_max_bytes,
            timeout=settings.fetch_timeout,
            max_redirects=settings.fetch_max_redirects,
            allow_private=settings.allow_private_urls,
        )
    )


MAX_LINKS = 10  # links one /ingest may fetch


def off_the_loop(blocking: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], Awaitable[R]]:
    """The method ``blocking`` as a coroutine method that runs it on a worker thread, so the event
    loop (Discord's heartbeat, other members' questions) never waits on the store or the model.
    It is looked up on the object at each call, so a replacement set on an instance is used."""
    name = blocking.__name__

    async def run(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return cast(R, await asyncio.to_thread(getattr(self, name), *args, **kwargs))

    run.__doc__ = f"``{name}`` on a worker thread."
    return run


@dataclass
class Newsroom:
    """Ask, ingest, list and forget articles of a namespace."""

    store: ChromaStore
    ingestor: Ingestor
    asker: AskService
    top_k: int = 10
    attachment_max_bytes: int = 10_000_000
    max_articles_per_request: int = 100
    feeds: FeedPoller | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Newsroom:
        """Build the services the settings describe (embedded store unless a host is set)."""
        embedder = MiniLMEmbedder(threads=settings.embedding_threads or None)
        store = store_from_settings(settings, embedder.name)
        ingestor = Ingestor(
            store,
            embedder,
            max_tokens=settings.chunk_tokens,
            overlap_tokens=settings.chunk_overlap,
            url_loader=UrlLoader(fetcher_from_settings(settings), settings.max_articles_per_request),
            max_article_chars=settings.max_article_chars,
        )
        index = LexicalIndex(store, cache=IndexCache(settings.data_dir / "index", store.label))
        asker = AskService(Retriever(store, embedder, index), answerer_for(settings))
        feeds = FeedPoller(
            FeedRegistry(settings.data_dir / "feeds.sqlite3"),
            ingestor,
            fetcher_from_settings(settings),
            interval=timedelta(minutes=settings.feed_poll_minutes),
            max_entries=settings.max_articles_per_request,
        )
        return cls(
            store=store,
            ingestor=ingestor,
            asker=asker,
            top_k=settings.top_k,
            attachment_max_bytes=settings.attachment_max_bytes,
            max_articles_per_request=settings.max_articles_per_request,
            feeds=feeds,
        )

    # -- synchronous (terminal) --------------------------------------------------------------

    def ask_sync(
        self,
        question: str,
        namespace: str = "default",
        k: int | None = None,
        as_of: datetime | None = None,
        limits: Limits | None = None,
    ) -> Answer:
        return self.asker.ask(question, namespace, k=k or self.top_k, as_of=as_of, limits=limits)

    def ingest_sync(
        self, sources: Iterable[str], namespace: str = "default", progress: Progress | None = None
    ) -> IngestReport:
        return self.ingestor.ingest(sources, namespace, progress)

    def rechunk_sync(self, namespace: str = "default", progress: Progress | None = None) -> IngestReport:
        return self.ingestor.rechunk(namespace, progress)

    def ingest_bytes_sync(
        self, data: bytes, name: str, namespace: str = "default", added_by: str | None = None
    ) -> IngestReport:
        return self.ingestor.ingest_items(self._file_items(data, name), namespace, added_by=added_by)

    def ingest_posted_sync(
        self,
        links: Sequence[str],
        files: Sequence[tuple[str, bytes]],
        namespace: str = "default",
        added_by: str | None = None,
    ) -> IngestReport:
        """The links and attached files of one message, as one ingest and one report."""
        items: list[Item] = []
        for name, data in files:
            items.extend(self._file_items(data, name))
        return self.ingestor.ingest_items(
            chain(self.ingestor.items(links), items), namespace, added_by=added_by
        )

    def _file_items(self, data: bytes, name: str) -> list[Item]:
        if len(data) > self.attachment_max_bytes:
            raise AttachmentTooLarge(
                f"{name}: too large ({len(data):,} bytes; limit {self.attachment_max_bytes:,})"
            )
        return list(limit_items(articles_from_bytes(data, name), self.max_articles_per_request, name))

    def _find(self, key: str, namespace: str) -> ArticleSummary:
        """The article with this id or link, else an error naming the key."""
        return self.asker.article_called(key, namespace)

    def forget_sync(self, key: str, namespace: str = "default") -> ArticleSummary:
        found = self._find(key, namespace)
        self.store.delete_article(namespace, found.id)
        return found

    def forget_added_by_sync(
        self,
        added_by: str,
        namespace: str = "default",
        keep: Callable[[list[Article]], object] | None = None,
    ) -> tuple[list[Article], list[str]]:
        """Remove every article ``added_by`` stored (``feed:<url>``, ``discord:<user id>``).

        Returns what was removed as :meth:`export_sync` would have given it: the articles rebuilt
        in full (a copy that ``ingest`` puts back), and the ids of those whose chunks were
        incomplete (removed all the same). ``keep`` is handed the copy first (to write it to a
        file, say); if it raises, nothing is removed.
        """
        copies, broken = self.store.stored_articles(namespace, added_by=added_by)
        if keep is not None:
            keep(copies)
        if copies or broken:
            self.store.delete_added_by(namespace, added_by)
        return copies, broken

    def articles_sync(self, namespace: str = "default") -> list[ArticleSummary]:
        """Every article of the namespace, newest first."""
        return self.store.articles(namespace)

    def export_sync(self, namespace: str = "default") -> tuple[list[Article], list[str]]:
        """Every article of the namespace rebuilt from its chunks (oldest first), and the ids of
        those whose chunks are incomplete (see :meth:`ChromaStore.stored_articles`)."""
        return self.store.stored_articles(namespace)

    def article_sync(self, key: str, namespace: str = "default") -> Article:
        """One article (by id or URL) with its full text, rebuilt from its chunks.

        Raises:
            ArticleNotFound: No article of the namespace has that id or URL.
            NewsdeskError: Its chunks are incomplete (an interrupted update): ingest it again.
        """
        found = self._find(key, namespace)
        articles, _ = self.store.stored_articles(namespace, found.id)
        if not articles:
            raise NewsdeskError(f"the passages of {found.title!r} are incomplete: ingest it again")
        return articles[0]

    def warm_sync(self, namespaces: Iterable[str]) -> list[str]:
        """Build the in-memory search indexes of those ``namespaces`` the store holds.

        The first question of a namespace otherwise pays for it (seconds at tens of thousands of
        chunks). Returns the namespaces warmed.
        """
        stored = set(self.store.namespaces())
        warmed = [ns for ns in namespaces if ns in stored]
        for ns in warmed:
            self.asker.retriever.lexical.snapshot(ns)
        return warmed

    def stats_sync(self, namespace: str | None = None) -> dict[str, Any]:
        spaces = [namespace] if namespace else self.store.namespaces()
        per = {}
        for ns in spaces:
            articles = self.store.articles(ns)  # newest first
            dated = [a.published_at for a in articles if a.published_at is not None]
            per[ns] = {
                "articles": len(articles),
                "chunks": self.store.count(ns),
                "outlets": len({a.source for a in articles if a.source}),
                "newest": dated[0].date().isoformat() if dated else None,
                "oldest": dated[-1].date().isoformat() if dated else None,
            }
        return {"store": self.store.label, "namespaces": per}

    # -- asynchronous (Discord): blocking work runs off the event loop ------------------------

    ask = off_the_loop(ask_sync)

    async def outlets(self, namespace: str = "default") -> list[str]:
        """The outlets of the namespace's articles, sorted."""
        outlets = await asyncio.to_thread(self.asker.retriever.lexical.outlets, namespace)
        return sorted(outlets, key=str.casefold)

    async def ingest_urls(
        self, urls: Iterable[str], namespace: str = "default", added_by: str | None = None
    ) -> IngestReport:
        """Fetch and ingest links (for Discord: never a path on this machine, whatever is given)."""
        urls = list(urls)
        if not urls:
            raise UrlRefused("no link given; give one starting with https://")
        return await self.ingest_posted(urls, (), namespace, added_by)

    async def ingest_posted(
        self,
        links: Sequence[str],
        files: Sequence[tuple[str, bytes]],
        namespace: str = "default",
        added_by: str | None = None,
    ) -> IngestReport:
        """Ingest a Discord message's links and attached ``(file name, content)`` files together.

        Links follow the rules of :meth:`ingest_urls`: at most ``MAX_LINKS``, and never a path on
        this machine, whatever is given. ``added_by`` says who asked (``discord:<user id>``).
        """
        if len(links) > MAX_LINKS:
            raise UrlRefused(f"{len(links)} links; give at most {MAX_LINKS} at once")
        for url in links:
            if not is_url(url):
                raise UrlRefused(f"{url[:80]!r} is not a link; give one starting with https://")
        return await asyncio.to_thread(self.ingest_posted_sync, list(links), list(files), namespace, added_by)

    # the same as their ``_sync`` twins, run on a worker thread
    ingest_bytes = off_the_loop(ingest_bytes_sync)
    forget = off_the_loop(forget_sync)
    forget_added_by = off_the_loop(forget_added_by_sync)
    articles = off_the_loop(articles_sync)
    export = off_the_loop(export_sync)
    article = off_the_loop(article_sync)
    stats = off_the_loop(stats_sync)

    async def warm(self, namespaces: Iterable[str]) -> list[str]:
        return await asyncio.to_thread(self.warm_sync, list(namespaces))
