"""RSS/Atom feeds: parse them (feedparser) and poll subscriptions, ingesting each new entry once.

An entry becomes an article from its own page (fetched through the same SSRF-safe fetcher as
any URL); when the page cannot be fetched or is not an article, from the feed's own content.
Entries are marked seen only after the store has taken them, so a crash or an unreachable store
means they are simply tried again next time (ingestion is idempotent).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from ingest.errors import IngestError, ParseError
from ingest.fetch import Fetcher, check_url
from ingest.html import html_to_text
from ingest.loaders import Item, articles_from_bytes
from ingest.parsing import make_article
from ingest.pipeline import Ingestor
from ingest.subscriptions import Feed, FeedNotFound, FeedRegistry

log = logging.getLogger(__name__)

_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry of a parsed feed; ``key`` identifies it across polls (id, else link, else text)."""

    key: str
    title: str
    link: str | None
    published_at: datetime | None
    content: str  # HTML or text carried by the feed itself


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed's title and entries, in the feed's order."""

    title: str | None
    entries: list[FeedEntry]


@dataclass(slots=True)
class PollResult:
    """What one feed's poll did: titles of newly added articles, per-entry errors, or the failure."""

    feed: Feed
    added: list[tuple[str, str | None]] = field(default_factory=list)  # (title, url)
    errors: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None
    next_poll_at: datetime | None = None


def parse_feed(data: bytes, url: str = "feed") -> ParsedFeed:
    """Parse RSS or Atom bytes (never a URL: feedparser would fetch it itself).

    Raises:
        ParseError: Not a feed, or a feed too broken to yield entries.
    """
    import feedparser

    if not data.strip():
        raise ParseError(f"{url}: empty feed")
    try:
        parsed: Any = feedparser.parse(data)
        entries = [_entry(e) for e in parsed.entries]
        title = _plain(str(parsed.feed.get("title") or "")) or None
    except Exception as exc:  # feedparser/sax on hostile input
        raise ParseError(f"{url}: unreadable feed ({type(exc).__name__})") from None
    if not parsed.get("version") and not entries:
        reason = parsed.get("bozo_exception")
        detail = f" ({type(reason).__name__})" if reason else ""
        raise ParseError(f"{url}: not an RSS or Atom feed{detail}")
    return ParsedFeed(title=title, entries=[e for e in entries if e is not None])


def _entry(raw: Any) -> FeedEntry | None:
    link = str(raw.get("link") or "").strip() or None
    title = _plain(str(raw.get("title") or ""))
    content = ""
    for part in raw.get("content") or []:
        content = max(content, str(part.get("value") or ""), key=len)
    content = content or str(raw.get("summary") or raw.get("description") or "")
    key = str(raw.get("id") or "").strip() or link
    if not key:
        if not (title or content):
            return None
        key = "h-" + hashlib.sha256(f"{title}\n{content}".encode()).hexdigest()[:24]
    published = None
    stamp = raw.get("published_parsed") or raw.get("updated_parsed")
    if stamp:
        try:
            year, month, day, hour, minute, second = (int(v) for v in stamp[:6])
            published = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except (TypeError, ValueError):
            published = None
    return FeedEntry(key=key[:500], title=title, link=link, published_at=published, content=content)


def _plain(text: str) -> str:
    return " ".join(_TAGS.sub(" ", text).split())


def article_from_entry(entry: FeedEntry, feed_url: str) -> Item:
    """The article a feed entry carries itself (its content or summary), or why it has none."""
    origin = entry.link or f"{feed_url}#{entry.key}"
    text = html_to_text(entry.content) if "<" in entry.content else entry.content.strip()
    if not text:
        return (origin, ParseError(f"{origin}: the page failed and the feed entry has no text"))
    link = entry.link if entry.link and entry.link.lower().startswith(("http://", "https://")) else None
    host = (urlsplit(link or feed_url).hostname or "").removeprefix("www.") or None
    try:
        return (
            origin,
            make_article(entry.title, text, url=link, published_at=entry.published_at, source=host),
        )
    except IngestError as exc:
        return (origin, ParseError(f"{origin}: {exc}"))


def feed_origin(url: str) -> str:
    """What the articles a feed added record as their :attr:`Article.added_by`."""
    return f"feed:{url}"


class FeedPoller:
    """Polls due feeds and ingests their new entries.

    Args:
        registry: Subscriptions and seen entries.
        ingestor: Writes the articles.
        fetcher: The SSRF-safe fetcher, for feeds and entry pages.
        interval: Time between polls of a healthy feed.
        max_entries: Most new entries ingested per feed per poll; the rest wait for the next one.
    """

    def __init__(
        self,
        registry: FeedRegistry,
        ingestor: Ingestor,
        fetcher: Fetcher,
        *,
        interval: timedelta = timedelta(minutes=30),
        max_entries: int = 100,
    ) -> None:
        self.registry = registry
        self.ingestor = ingestor
        self.fetcher = fetcher
        self.interval = interval
        self.max_entries = max_entries

    def subscribe(self, url: str, namespace: str = "default", verify: bool = True) -> Feed:
        """Add a feed; with ``verify``, fetch it first and refuse what is not a feed.

        Raises:
            UrlRefused, FetchFailed, ParseError: With the reason the feed cannot be added.
        """
        url = str(check_url(url))
        title = None
        if verify:
            title = parse_feed(self.fetcher.fetch_sync(url).body, url).title
        return self.registry.add(url, namespace, title)

    def unsubscribe(self, url: str, namespace: str = "default") -> str:
        """Remove a subscription, by the URL as given or as :meth:`subscribe` normalised it;
        returns the URL it was stored under (its articles' :attr:`Article.added_by` names it).

        Raises:
            FeedNotFound: ``namespace`` is not subscribed to ``url``.
        """
        try:
            self.registry.remove(url, namespace)
            return url
        except FeedNotFound:
            try:
                normalised = str(check_url(url))
            except IngestError:
                raise FeedNotFound(f"no feed {url} in {namespace}") from None
            if normalised == url:
                raise
            self.registry.remove(normalised, namespace)
            return normalised

    def poll_due(self, now: datetime | None = None, namespace: str | None = None) -> list[PollResult]:
        """Poll every feed that is due (all namespaces unless one is given)."""
        now = now or datetime.now(UTC)
        return [self.poll(feed, now) for feed in self.registry.due(now, namespace)]

    def poll(self, feed: Feed, now: datetime | None = None) -> PollResult:
        """Poll one feed now: ingest its unseen entries, or back off if it fails."""
        now = now or datetime.now(UTC)
        result = PollResult(feed)
        try:
            parsed = parse_feed(self.fetcher.fetch_sync(feed.url).body, feed.url)
            by_key = {e.key: e for e in parsed.entries}
            fresh = self.registry.unseen(feed.namespace, by_key)[: self.max_entries]
            items = [self._article(by_key[key], feed.url) for key in fresh]
            report = self.ingestor.ingest_items(items, feed.namespace, added_by=feed_origin(feed.url))
        except IngestError as exc:  # the feed's fault; an unreachable store propagates instead
            result.error = str(exc)
            result.next_poll_at = self.registry.record_failure(feed, now, self.interval, str(exc))
            log.warning("feed %s (%s) failed: %s", feed.url, feed.namespace, exc)
            return result
        self.registry.mark_seen(feed.namespace, feed.url, fresh, now)
        self.registry.record_success(feed, now, self.interval, parsed.title)
        result.next_poll_at = now + self.interval
        result.errors = report.errors
        result.added = [(a.title, a.url) for a in report.articles if a.status in ("added", "updated")]
        log.info(
            "feed %s (%s): %d new, %d errors", feed.url, feed.namespace, len(result.added), len(result.errors)
        )
        return result

    def _article(self, entry: FeedEntry, feed_url: str) -> Item:
        if entry.link:
            try:
                fetched = self.fetcher.fetch_sync(entry.link)
                for origin, item in articles_from_bytes(
                    fetched.body, entry.link, media_type=fetched.media_type, url=fetched.url
                ):
                    if not isinstance(item, IngestError):
                        return (origin, item)
                    log.info("entry page %s: %s; using the feed's text", entry.link, item)
                    break
            except IngestError as exc:
                log.info("entry page %s: %s; using the feed's text", entry.link, exc)
        return article_from_entry(entry, feed_url)
