"""``/feed add|list|remove`` and the background poll, through the loopback fake of Discord."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer

from bot.cogs.feeds import new_entry_lines
from ingest.feeds import FeedPoller, PollResult
from ingest.fetch import Fetcher, FetchLimits
from ingest.subscriptions import Feed, FeedRegistry
from tests.bot.conftest import Harness
from tests.bot.fake_discord import FakeDiscord, FakeGuild, FakeUser, Recorded
from tests.ingest.pages import article_page, rss

EPHEMERAL = 64


def _feed(namespace: str) -> Feed:
    now = datetime.now(UTC)
    return Feed(namespace=namespace, url="https://p.example/feed", title="P", added_at=now, next_poll_at=now)


def test_new_entry_lines_are_for_the_channels_guild_only_and_escaped() -> None:
    results = [
        PollResult(_feed("111"), added=[("Vote *passes*", "https://p.example/1")]),
        PollResult(_feed("222"), added=[("Other guild's story", None)]),
    ]
    assert new_entry_lines(results, 111) == ["new: Vote \\*passes\\*"]


async def _feed_command(
    harness: Harness, sub: str, options: dict[str, Any] | None, *, guild: FakeGuild, user: FakeUser
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
        interaction_id = await harness.push("feed", options, guild=guild, user=user)
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
    assert posted == ["new: Minister resigns over budget row"]
    assert [a.title for a in newsroom.store.articles(str(guild.id))] == ["Minister resigns over budget row"]

    listed = await _feed_command(harness, "list", None, guild=guild, user=editor)
    assert any("Planet wire" in t and url in t for t in _ephemeral_texts(listed))
    removed = await _feed_command(harness, "remove", {"url": url}, guild=guild, user=editor)
    assert any("No longer following" in t for t in _ephemeral_texts(removed))
    assert newsroom.feeds.registry.feeds() == []
