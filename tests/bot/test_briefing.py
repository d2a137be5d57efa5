"""``/briefing``: a server's newest stories posted in a channel once a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import discord
import pytest

from bot.briefings import Briefing, Briefings, UnknownTimeZone
from retrieval.errors import NewsdeskError
from retrieval.models import Article
from tests.bot.fake_discord import Recorded

EPHEMERAL = 64


def test_a_briefing_is_due_once_a_day_from_its_hour(tmp_path: Path) -> None:
    schedules = Briefings(tmp_path / "briefings.sqlite3")
    morning = datetime(2026, 3, 4, 6, tzinfo=UTC)
    schedules.set(1, 10, 8, morning)  # set before its hour: the first one is today
    schedules.set(2, 20, 5, morning)  # set after it: the first one is tomorrow
    assert schedules.due(morning) == []
    assert [b.guild_id for b in schedules.due(morning.replace(hour=8))] == [1]
    assert schedules.claim(1, morning.date())
    assert not schedules.claim(1, morning.date())  # taken: a second process does not post it again
    assert schedules.due(morning.replace(hour=23)) == []
    tomorrow = morning + timedelta(days=1)
    assert [b.guild_id for b in schedules.due(tomorrow)] == [2]
    assert [b.guild_id for b in schedules.due(tomorrow.replace(hour=8))] == [1, 2]
    # a restart keeps the schedule and the day last posted
    again = Briefings(tmp_path / "briefings.sqlite3")
    assert again.get(1) == Briefing(1, 10, 8, date(2026, 3, 4))
    # moving it to another channel or hour does not post twice the same day
    assert again.set(1, 11, 6, morning.replace(hour=9)).last_posted == date(2026, 3, 4)
    assert again.remove(1) == Briefing(1, 11, 6, date(2026, 3, 4))
    assert again.remove(1) is None and again.get(1) is None
    with pytest.raises(ValueError, match="hour 24"):
        again.set(3, 30, 24, morning)


def test_a_briefing_keeps_the_hour_and_the_date_of_its_time_zone(tmp_path: Path) -> None:
    schedules = Briefings(tmp_path / "briefings.sqlite3")
    evening = datetime(2026, 1, 14, 20, tzinfo=UTC)  # 05:00 on the 15th in Tokyo
    tokyo = schedules.set(1, 10, 8, evening, timezone="asia/tokyo")
    assert (tokyo.timezone, tokyo.last_posted) == ("Asia/Tokyo", None)  # its 08:00 is still to come
    assert schedules.due(evening.replace(hour=22)) == []  # 07:00 in Tokyo
    assert [b.guild_id for b in schedules.due(evening.replace(hour=23))] == [1]  # 08:00 in Tokyo
    assert schedules.claim(1, tokyo.local(evening.replace(hour=23)).date())
    assert schedules.get(1).last_posted == date(2026, 1, 15)  # Tokyo's date, not UTC's
    assert schedules.due(datetime(2026, 1, 15, 12, tzinfo=UTC)) == []  # 21:00 the same day there
    with pytest.raises(UnknownTimeZone, match="unknown time zone 'Mars/Olympus'"):
        schedules.set(2, 20, 8, evening, timezone="Mars/Olympus")
    assert schedules.get(2) is None


def _texts(requests: list[Recorded]) -> list[str]:
    return [
        str(r.payload.get("data", r.payload).get("content"))
        for r in requests
        if r.method == "POST" and r.payload and r.payload.get("data", r.payload).get("content")
    ]


async def test_the_briefing_posts_the_days_stories_once_and_replies_follow_up_on_it(
    fake, start_bot, newsroom
) -> None:  # type: ignore[no-untyped-def]
    guild = fake.add_guild("Halden")
    desk = fake.add_channel(guild, "briefing")
    editor = fake.user("editor", manage_guild=True)
    reader = fake.user("reader")
    harness = await start_bot()
    desk_option = {"channel": fake.channel_payload(guild, desk)}

    refused = await harness.push(
        "briefing", {"hour": 8}, guild=guild, user=reader, subcommand="on", channels=desk_option
    )
    await harness.wait(refused)
    assert any("Manage Server" in t for t in _texts(fake.token_requests(refused)))

    turned_on = await harness.push(
        "briefing", {"hour": 8}, guild=guild, user=editor, subcommand="on", channels=desk_option
    )
    await harness.wait(turned_on)
    (reply,) = _texts(fake.token_requests(turned_on))
    assert reply.startswith("Every day at 08:00 UTC, starting ") and f"in <#{desk}>" in reply

    zones = await harness.command(
        "briefing", {"timezone": "paris"}, guild=guild, user=editor, subcommand="on", autocomplete="timezone"
    )
    choices = next(r for r in zones if r.payload and r.payload.get("type") == 8).payload["data"]["choices"]
    assert {"name": "Europe/Paris", "value": "Europe/Paris"} in choices
    wrong = await harness.push(
        "briefing",
        {"hour": 8, "timezone": "Mars/Olympus"},
        guild=guild,
        user=editor,
        subcommand="on",
        channels=desk_option,
    )
    await harness.wait(wrong)
    assert any("unknown time zone 'Mars/Olympus'" in t for t in _texts(fake.token_requests(wrong)))

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    stories = [
        Article(
            "tunnel",
            "Tram tunnel opens",
            "The tram tunnel under the river opened to passengers at dawn.",
            tomorrow - timedelta(hours=3),
            source="Gazette",
        ),
        Article(
            "bakery",
            "Bakers end their strike",
            "Bakers in Wrenfield went back to work after nine days.",
            tomorrow - timedelta(hours=2),
            source="Post",
        ),
        Article(
            "old",
            "Old quay repaired",
            "Workers finished repairing the old quay wall on Friday.",
            tomorrow - timedelta(days=3),
            source="Gazette",
        ),
    ]
    newsroom.ingestor.ingest_items([(a.id, a) for a in stories], str(guild.id))
    cog = harness.bot.get_cog("Briefing")

    assert await cog.post_due(tomorrow.replace(hour=7)) == 0  # before its hour
    # a server this bot is not in (another bot sharing the data directory) is left to that bot
    cog.schedules.set(999, 1, 8, tomorrow.replace(hour=1))
    assert await cog.post_due(tomorrow) == 1
    assert cog.schedules.get(999).last_posted is None
    assert await cog.post_due(tomorrow + timedelta(hours=5)) == 0  # once a day
    (posted,) = [r for r in fake.requests_to("POST", f"/channels/{desk}/messages")]
    text = posted.payload["content"]
    assert text.startswith(f"**Daily briefing, {tomorrow:%Y-%m-%d}**\nThe newest articles published since ")
    # newest first: the bakery's story [1], then the tunnel's [2]
    assert text.index("Bakers in Wrenfield went back to work") < text.index("[1]") < text.index("tram tunnel")
    assert "old quay" not in text  # older than a day
    assert posted.payload["allowed_mentions"] == {"parse": []}

    # a member replies to the briefing about one of its stories
    briefing_id = next(mid for mid, m in fake.messages.items() if m["content"] == text)
    asked = await fake.say(
        guild, reader, "summarize [2]", reply_to=briefing_id, mention_bot=False, channel_id=desk
    )
    (answer,) = await fake.wait_for(
        lambda: [
            r
            for r in fake.requests_to("POST", f"/channels/{desk}/messages")
            if str((r.payload.get("message_reference") or {}).get("message_id")) == str(asked)
        ]
    )
    assert answer.payload["content"].startswith(
        "The tram tunnel under the river opened to passengers at dawn. [1]"
    )

    off = await harness.command("briefing", guild=guild, user=editor, subcommand="off")
    assert _texts(off) == [f"The daily briefing in <#{desk}> is off."]
    assert await cog.post_due(tomorrow + timedelta(days=1)) == 0


def test_a_released_claim_makes_the_day_due_again_unless_another_took_it(tmp_path: Path) -> None:
    schedules = Briefings(tmp_path / "briefings.sqlite3")
    morning = datetime(2026, 3, 4, 6, tzinfo=UTC)
    schedules.set(1, 10, 8, morning)
    (found,) = schedules.due(morning.replace(hour=9))
    assert schedules.claim(1, morning.date())
    schedules.release(found, morning.date())
    assert schedules.due(morning.replace(hour=9)) == [found]
    # a claim for another day (a later run took it) is not given back by an older release
    schedules.claim(1, date(2026, 3, 5))
    schedules.release(found, morning.date())
    assert schedules.get(1).last_posted == date(2026, 3, 5)


async def test_a_briefing_discord_or_the_store_failed_is_tried_again_one_it_may_not_post_is_not(
    fake, start_bot, newsroom, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    guild = fake.add_guild("Halden")
    harness = await start_bot()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    story = Article(
        "tunnel",
        "Tram tunnel opens",
        "The tram tunnel under the river opened to passengers.",
        tomorrow - timedelta(hours=3),
        source="Gazette",
    )
    newsroom.ingestor.ingest_items([(story.id, story)], str(guild.id))
    cog = harness.bot.get_cog("Briefing")

    cog.schedules.set(guild.id, guild.channel_id, 8, tomorrow.replace(hour=1))
    real_ask = newsroom.ask

    async def store_down(*args, **kwargs):
        raise NewsdeskError("the news store is unreachable")

    monkeypatch.setattr(newsroom, "ask", store_down)
    with pytest.raises(NewsdeskError):
        await cog.post_due(tomorrow)
    monkeypatch.setattr(newsroom, "ask", real_ask)

    async def server_error(*args, **kwargs):
        raise discord.DiscordServerError(SimpleNamespace(status=503, reason="Service Unavailable"), "down")

    real_send = discord.TextChannel.send
    monkeypatch.setattr(discord.TextChannel, "send", server_error)
    assert await cog.post_due(tomorrow) == 0
    monkeypatch.setattr(discord.TextChannel, "send", real_send)
    assert await cog.post_due(tomorrow + timedelta(minutes=1)) == 1  # both failures were retried
    assert len(fake.requests_to("POST", f"/channels/{guild.channel_id}/messages")) == 1

    # a channel the bot may no longer write in is not retried every minute: that day is done
    async def forbidden(*args, **kwargs):
        raise discord.Forbidden(SimpleNamespace(status=403, reason="Forbidden"), "Missing Permissions")

    cog.schedules.release(Briefing(guild.id, guild.channel_id, 8), tomorrow.date())  # due again today
    monkeypatch.setattr(discord.TextChannel, "send", forbidden)
    assert await cog.post_due(tomorrow + timedelta(minutes=2)) == 0
    assert cog.schedules.due(tomorrow + timedelta(minutes=3)) == []
