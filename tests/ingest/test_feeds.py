"""Feed subscriptions: polling, the page-or-feed-content fallback, persistence and backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot.newsroom import Newsroom
from ingest.errors import ParseError, UrlRefused
from ingest.feeds import FeedPoller, parse_feed
from ingest.fetch import Fetcher, FetchLimits
from ingest.subscriptions import MAX_BACKOFF, FeedNotFound, FeedRegistry
from tests.ingest.pages import article_page, rss

HOUR = timedelta(hours=1)
FALLBACK = "The new dam opened on Tuesday and the valley flooded within hours, officials said."


def _serve_feed(server: HTTPServer) -> str:
    feed = rss(
        [
            ("id-1", "Minister resigns", server.url_for("/story"), "Short teaser."),
            ("id-2", "Dam opens &amp; floods", server.url_for("/gone"), f"&lt;p&gt;{FALLBACK}&lt;/p&gt;"),
            ("id-3", "Link-less note", None, "Parliament rose for the summer recess on Thursday."),
        ]
    )
    server.expect_request("/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    server.expect_request("/story").respond_with_data(article_page(), content_type="text/html")
    server.expect_request("/gone").respond_with_data("nope", status=404)
    return server.url_for("/feed.xml")


def _poller(room: Newsroom, tmp_path: Path, allow_private: bool = True) -> FeedPoller:
    fetcher = Fetcher(FetchLimits(allow_private=allow_private, timeout=5))
    return FeedPoller(FeedRegistry(tmp_path / "feeds.sqlite3"), room.ingestor, fetcher, interval=HOUR)


def test_new_entries_are_ingested_once(newsroom: Newsroom, tmp_path: Path, httpserver: HTTPServer) -> None:
    poller = _poller(newsroom, tmp_path)
    feed = poller.subscribe(_serve_feed(httpserver))
    assert feed.title == "Planet wire"
    [first] = poller.poll_due()
    assert first.error is None
    assert sorted(t for t, _ in first.added) == [
        "Dam opens & floods",
        "Link-less note",
        "Minister resigns over budget row",
    ]
    stored = {a.title: a for a in newsroom.store.articles("default")}
    assert stored["Minister resigns over budget row"].published_at == datetime(
        2024, 5, 17, 20, 35, 5, tzinfo=UTC
    )
    assert {a.added_by for a in stored.values()} == {f"feed:{feed.url}"}  # what added them
    assert poller.poll_due() == []  # not due again for an hour
    second = poller.poll(poller.registry.get(feed.url))
    assert second.added == [] and second.error is None
    assert len(newsroom.store.articles("default")) == 3


def test_entry_falls_back_to_the_feeds_own_text_when_the_page_fails(
    newsroom: Newsroom, tmp_path: Path, httpserver: HTTPServer
) -> None:
    poller = _poller(newsroom, tmp_path)
    poller.subscribe(_serve_feed(httpserver))
    poller.poll_due()
    [dam] = [a for a in newsroom.store.articles("default") if a.title.startswith("Dam")]
    chunk_texts = [t for _, t, m in newsroom.store.iter_chunks("default") if m["article_id"] == dam.id]
    assert chunk_texts == [FALLBACK]
    assert dam.url and dam.url.endswith("/gone")


def test_seen_entries_survive_a_restart(newsroom: Newsroom, tmp_path: Path, httpserver: HTTPServer) -> None:
    url = _serve_feed(httpserver)
    _poller(newsroom, tmp_path).subscribe(url)
    _poller(newsroom, tmp_path).poll_due()
    again = _poller(newsroom, tmp_path)  # a new process: state comes from the file
    assert [f.url for f in again.registry.feeds()] == [url]
    assert again.poll(again.registry.get(url)).added == []


def test_namespaces_keep_separate_subscriptions(
    newsroom: Newsroom, tmp_path: Path, httpserver: HTTPServer
) -> None:
    poller = _poller(newsroom, tmp_path)
    url = _serve_feed(httpserver)
    poller.subscribe(url, "guild-1")
    poller.subscribe(url, "guild-2")
    results = poller.poll_due()
    assert [len(r.added) for r in results] == [3, 3]
    assert len(newsroom.store.articles("guild-2")) == 3
    poller.unsubscribe(url.replace("http://localhost", "HTTP://LOCALHOST"), "guild-1")
    assert [f.namespace for f in poller.registry.feeds()] == ["guild-2"]
    with pytest.raises(FeedNotFound):
        poller.unsubscribe(url.replace("http://localhost", "HTTP://LOCALHOST"), "guild-1")


def test_failing_feed_backs_off_exponentially_then_recovers(
    newsroom: Newsroom, tmp_path: Path, httpserver: HTTPServer
) -> None:
    poller = _poller(newsroom, tmp_path)
    url = httpserver.url_for("/flaky.xml")
    poller.registry.add(url)
    now = datetime.now(UTC)
    httpserver.expect_ordered_request("/flaky.xml").respond_with_data("down", status=503)
    httpserver.expect_ordered_request("/flaky.xml").respond_with_data("<html>not a feed</html>")
    waits = []
    for _ in range(2):
        [result] = poller.poll_due(now)
        assert result.error and ("503" in result.error or "not an RSS" in result.error)
        assert result.next_poll_at is not None
        waits.append(result.next_poll_at - now)
        assert poller.poll_due(now) == []  # backing off
        now = result.next_poll_at
    assert waits == [2 * HOUR, 4 * HOUR]
    feed = poller.registry.get(url)
    assert feed.failures == 2 and feed.last_error
    httpserver.expect_request("/flaky.xml").respond_with_data(rss([]), content_type="application/rss+xml")
    ok = poller.poll(poller.registry.get(url), now)
    assert ok.error is None and poller.registry.get(url).failures == 0


def test_backoff_is_capped_at_a_day(tmp_path: Path) -> None:
    registry = FeedRegistry(tmp_path / "f.sqlite3")
    feed = registry.add("https://planet.example/feed")
    now = datetime.now(UTC)
    for _ in range(12):
        due = registry.record_failure(feed, now, HOUR, "down")
        feed = registry.get(feed.url)
    assert due - now == MAX_BACKOFF and feed.failures == 12


def test_feed_on_a_private_address_is_refused_without_the_opt_in(
    newsroom: Newsroom, tmp_path: Path, httpserver: HTTPServer
) -> None:
    poller = _poller(newsroom, tmp_path, allow_private=False)
    with pytest.raises(UrlRefused):
        poller.subscribe(_serve_feed(httpserver))
    poller.registry.add(httpserver.url_for("/feed.xml"))
    [result] = poller.poll_due()
    assert result.error and "loopback" in result.error
    assert httpserver.log == []


@pytest.mark.parametrize(
    "data",
    [b"", b"<html><body>hello</body></html>", b"\x89PNG\r\n", b"{json: 1}", b"<rss><channel><item>"],
)
def test_malformed_feeds_give_a_reason(data: bytes) -> None:
    try:
        parsed = parse_feed(data, "https://planet.example/feed")
    except ParseError as exc:
        assert "planet.example/feed" in str(exc)
    else:  # feedparser recovers what it can from a truncated feed
        assert all(e.key for e in parsed.entries)


def test_atom_feed_entries_are_parsed() -> None:
    atom = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>'
        b"<entry><id>tag:a,2024:1</id><title>Harbour reopens</title><link href='https://p.example/h'/>"
        b"<updated>2024-05-20T08:00:00Z</updated>"
        b"<content type='html'>&lt;p&gt;Ships sail.&lt;/p&gt;</content>"
        b"</entry></feed>"
    )
    parsed = parse_feed(atom)
    [entry] = parsed.entries
    assert (parsed.title, entry.key, entry.link) == ("Wire", "tag:a,2024:1", "https://p.example/h")
    assert entry.published_at == datetime(2024, 5, 20, 8, tzinfo=UTC)
