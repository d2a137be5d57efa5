"""``/feed add|list|remove`` and the background poll, through the loopback fake of Discord."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer

from bot.cogs.feeds import announcement_targets, new_entry_lines
from ingest.feeds import FeedPoller, PollResult
from ingest.fetch import Fetcher, FetchLimits
from ingest.subscriptions import Feed, FeedRegistry
from tests.bot.conftest import Harness
from tests.bot.fake_discord import FakeDiscord, FakeGuild, FakeUser, Recorded
from tests.ingest.pages import article_page, rss

EPHEMERAL = 64
# The registry's tables as the first release created them (no announcement channel).
OLD_SCHEMA = """
CREATE TABLE feeds (
    namespace TEXT NOT NULL, url TEXT NOT NULL, title TEXT, added_at REAL NOT NULL,
    next_poll_at REAL NOT NULL, last_polled_at REAL, failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT, PRIMARY KEY (namespace, url));
CREATE TABLE seen (
    namespace TEXT NOT NULL, entry_key TEXT NOT NULL, feed_url TEXT NOT NULL, seen_at REAL NOT NULL,
    PRIMARY KEY (namespace, entry_key));
"""


def _feed(namespace: str) -> Feed:
    now = datetime.now(UTC)
    return Feed(namespace=namespace, url="https://p.example/feed", title="P", added_at=now, next_poll_at=now)


def test_new_entry_lines_are_for_the_channels_guild_only_escaped_and_linked() -> None:
    results = [
        PollResult(
            _feed("111"),
            added=[("Vote *passes*", "https://p.example/1"), ("Odd link", "javascript:x"), ("None", None)],
        ),
        PollResult(_feed("222"), added=[("Other guild's story", None)]),
    ]
    assert new_entry_lines(results, 111) == [
        "new: Vote \\*passes\\* — <https://p.example/1>",
        "new: Odd link",
        "new: None",
    ]


def test_each_feed_is_announced_in_its_own_channel_else_the_configured_one() -> None:
    own = PollResult(replace(_feed("111"), channel_id=7), added=[("A", None)])
    default = PollResult(_feed("111"), added=[("B", None)])
    quiet = PollResult(replace(_feed("111"), channel_id=8), added=[])
    assert announcement_targets([own, default, quiet], fallback=9) == {7: [own], 9: [default]}
    assert announcement_targets([own, default], fallback=None) == {7: [own]}


def test_a_registry_made_before_announcement_channels_keeps_working(tmp_path: Path) -> None:
    path = tmp_path / "feeds.sqlite3"
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript(OLD_SCHEMA)
        db.execute("INSERT INTO feeds VALUES ('111', 'https://p.example/feed', 'P', 1.0, 2.0, NULL, 0, NULL)")
        db.execute("INSERT INTO seen VALUES ('111', 'entry-1', 'https://p.example/feed', 2.0)")
    registry = FeedRegistry(path)
    (feed,) = registry.feeds("111")
    assert (feed.title, feed.channel_id) == ("P", None)
    assert registry.unseen("111", ["entry-1", "entry-2"]) == ["entry-2"]
    assert registry.set_channel(feed.url, "111", 42).channel_id == 42
    assert FeedRegistry(path).get(feed.url, "111").channel_id == 42  # a second process sees it too


async def _feed_command(
    harness: Harness,
    sub: str,
    options: dict[str, Any] | None,
    *,
    guild: FakeGuild,
    user: FakeUser,
    **extra: Any,
) -> list[Recorded]:
    """Push ``/feed <sub>``: the fake speaks flat commands, so nest the options as a subcommand."""
    fake = harness.fake
    real = fake.dispatch

    async def nested(event: str, payload: dict[str, Any]) -> None:
        if event == "INTERACTION_CREATE":
            data = payload["data"]
            data["options"] = [{"name": sub, "type": 1, "options": data["options"]}]
        await real(event, payload)

    fake.dispatch = nested  # type: ignore[method-assign]
    try:
        interaction_id = await harness.push("feed", options, guild=guild, user=user, **extra)
    finally:
        fake.dispatch = real  # type: ignore[method-assign]
    await harness.wait(interaction_id)
    return fake.token_requests(interaction_id)


def _ephemeral_texts(requests: list[Recorded]) -> list[str]:
    out = []
    for r in requests:
        data = r.payload.get("data", r.payload) if r.payload else {}
        if r.method == "POST" and (data.get("flags") or 0) & EPHEMERAL and data.get("content"):
            out.append(str(data["content"]))
    return out


async def test_feed_add_polls_in_the_background_and_announces_new_articles(
    fake: FakeDiscord, start_bot, newsroom, httpserver: HTTPServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    guild = fake.add_guild("Lindmoor")
    editor = fake.user("editor", manage_guild=True)
    reader = fake.user("reader")
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss([("1", "Minister resigns", httpserver.url_for("/story"), "teaser")]),
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/story").respond_with_data(article_page(), content_type="text/html")
    newsroom.feeds = FeedPoller(
        FeedRegistry(tmp_path / "feeds.sqlite3"),
        newsroom.ingestor,
        Fetcher(FetchLimits(allow_private=True, timeout=5)),  # the test server is on loopback
        interval=timedelta(minutes=30),
    )
    harness = await start_bot(feed_poll_minutes=0.005, feed_channel_id=guild.channel_id)
    url = httpserver.url_for("/feed.xml")

    refused = await _feed_command(harness, "add", {"url": url}, guild=guild, user=reader)
    assert any("Manage Server" in t for t in _ephemeral_texts(refused))
    assert newsroom.feeds.registry.feeds() == []

    added = await _feed_command(harness, "add", {"url": url}, guild=guild, user=editor)
    assert any("Subscribed to **Planet wire**" in t for t in _ephemeral_texts(added))
    for _ in range(300):
        posted = [m["content"] for m in fake.messages.values() if m["content"].startswith("new: ")]
        if posted:
            break
        await asyncio.sleep(0.02)
    assert posted == [f"new: Minister resigns over budget row — <{httpserver.url_for('/story')}>"]
    assert [a.title for a in newsroom.store.articles(str(guild.id))] == ["Minister resigns over budget row"]

    listed = await _feed_command(harness, "list", None, guild=guild, user=editor)
    assert any("Planet wire" in t and url in t for t in _ephemeral_texts(listed))
    removed = await _feed_command(harness, "remove", {"url": url}, guild=guild, user=editor)
    assert any("No longer following" in t for t in _ephemeral_texts(removed))
    assert newsroom.feeds.registry.feeds() == []
    assert len(newsroom.store.articles(str(guild.id))) == 1  # its article stays

    # a feed that turned out to be spam: follow it again, then remove it with what it added
    await _feed_command(harness, "add", {"url": url}, guild=guild, user=editor)
    forgot = await _feed_command(harness, "remove", {"url": url, "forget": True}, guild=guild, user=editor)
    assert _ephemeral_texts(forgot) == [f"No longer following <{url}>. Removed the 1 article it added."]
    assert newsroom.store.articles(str(guild.id)) == []


async def test_a_feed_added_with_a_channel_announces_its_new_entry_there_once(
    fake: FakeDiscord, start_bot, newsroom, httpserver: HTTPServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    guild = fake.add_guild("Lindmoor")
    wire = fake.add_channel(guild, "wire")
    editor = fake.user("editor", manage_guild=True)
    story = httpserver.url_for("/story")
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss([("1", "Minister resigns", story, "teaser @everyone")]), content_type="application/rss+xml"
    )
    httpserver.expect_request("/story").respond_with_data(article_page(), content_type="text/html")
    newsroom.feeds = FeedPoller(
        FeedRegistry(tmp_path / "feeds.sqlite3"),
        newsroom.ingestor,
        Fetcher(FetchLimits(allow_private=True, timeout=5)),  # the test server is on loopback
        interval=timedelta(seconds=0.1),  # due again at every tick: a second poll must not repeat it
    )
    # the global channel is the main one: a feed with its own channel must not post there
    harness = await start_bot(feed_poll_minutes=0.005, feed_channel_id=guild.channel_id)
    url = httpserver.url_for("/feed.xml")

    added = await _feed_command(
        harness,
        "add",
        {"url": url},
        guild=guild,
        user=editor,
        channels={"channel": fake.channel_payload(guild, wire)},
    )
    assert any(f"announced in <#{wire}>" in t for t in _ephemeral_texts(added))
    assert newsroom.feeds.registry.get(url, str(guild.id)).channel_id == wire

    def feed_polls() -> int:
        return sum(1 for request, _ in httpserver.log if request.path == "/feed.xml")

    for _ in range(500):  # the subscription's check, then at least two polls
        if feed_polls() >= 3:
            break
        await asyncio.sleep(0.02)
    assert feed_polls() >= 3
    await asyncio.sleep(0.1)  # let the last poll's announcement (if any) reach the fake

    announced = [
        r for r in fake.requests_to("POST", "/channels/") if r.payload["content"].startswith("new: ")
    ]
    assert [r.path for r in announced] == [f"/channels/{wire}/messages"]
    assert announced[0].payload["content"] == f"new: Minister resigns over budget row — <{story}>"
    assert announced[0].payload["allowed_mentions"] == {"parse": []}


async def test_feed_add_refuses_a_channel_the_bot_cannot_post_in(
    fake: FakeDiscord, start_bot, newsroom, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    guild = fake.add_guild("Lindmoor")
    archive = fake.add_channel(guild, "archive", read_only=True)
    newsroom.feeds = FeedPoller(
        FeedRegistry(tmp_path / "feeds.sqlite3"), newsroom.ingestor, Fetcher(FetchLimits(timeout=5))
    )
    harness = await start_bot()
    refused = await _feed_command(
        harness,
        "add",
        {"url": "https://p.example/feed.xml"},
        guild=guild,
        user=fake.user("editor", manage_guild=True),
        channels={"channel": fake.channel_payload(guild, archive)},
    )
    assert _ephemeral_texts(refused) == [
        f"I can't post in <#{archive}>: allow me to send messages there, or pick another."
    ]
    assert newsroom.feeds.registry.feeds() == []
