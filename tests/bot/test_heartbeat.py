"""The gateway heartbeat keeps its cadence while the bot answers many questions with real CPU work."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

from tests.bot.fake_discord import FakeDiscord

ARTICLES = Path(__file__).parent / "articles"
INTERVAL_MS = 250
QUESTIONS = (
    "Who did Admiral Vance meet?",
    "When does the floating library open?",
    "How long did the bakery strike last?",
    "How long does the tram crossing take now?",
)


async def test_heartbeats_keep_their_cadence_during_twenty_concurrent_cpu_bound_asks(
    fake: FakeDiscord, start_bot, newsroom, embedder, monkeypatch
):
    fake.heartbeat_interval_ms = INTERVAL_MS  # read when the client connects
    guild = fake.add_guild("Halden")
    articles = sorted(ARTICLES.iterdir())
    for path in articles:
        assert newsroom.ingest_sync([str(path)], str(guild.id)).articles_added == 1
    # real CPU per question: the offline embedder over every paragraph of the articles, then the ask
    paragraphs = [p for path in articles for p in path.read_text().split("\n\n") if p.strip()]
    real_ask_sync = newsroom.ask_sync

    def cpu_bound_ask_sync(*args, **kwargs):
        embedder.embed(paragraphs)
        return real_ask_sync(*args, **kwargs)

    monkeypatch.setattr(newsroom, "ask_sync", cpu_bound_ask_sync)
    harness = await start_bot(ask_cooldown_seconds=30)  # one question per user: 20 users

    started = time.monotonic()
    ids = await asyncio.gather(
        *(
            harness.push("ask", {"question": QUESTIONS[i % 4]}, guild=guild, user=fake.user(f"u{i}"))
            for i in range(20)
        )
    )
    await asyncio.gather(*(harness.wait(i, seconds=120) for i in ids))
    finished = time.monotonic()

    for interaction_id in ids:
        (ack,) = fake.callbacks(interaction_id)
        assert ack.payload["type"] == 5
        # Discord's protocol deadline: an interaction not acknowledged within 3 s fails for the user
        assert ack.at - fake.pushed_at[interaction_id] < 3.0
        (answer,) = fake.followups(interaction_id)
        assert "[1]" in answer.payload["content"]

    interval = INTERVAL_MS / 1000
    assert finished - started > 4 * interval, "the work was too short to say anything about the heartbeat"
    beats = [t for t in fake.heartbeats if started <= t <= finished]
    marks = [started, *beats, finished]
    gaps = [later - earlier for earlier, later in itertools.pairwise(marks)]
    # the gateway closes a connection whose heartbeats stop; a gap of 3 intervals means a stalled loop
    assert max(gaps) < 3 * interval, f"heartbeat gaps {sorted(gaps)[-3:]} over {finished - started:.1f} s"
    assert len(beats) >= (finished - started) / interval / 2
