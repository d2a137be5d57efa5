"""End to end: the real discord.py client against the loopback fake of Discord.

Assertions read the payloads the fake recorded: interaction callbacks (type 5 = deferred, 4 =
message, 8 = autocomplete; flag 64 = ephemeral), webhook follow-ups and channel messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot.discord_app import APOLOGY
from bot.permissions import GUILD_ONLY_MESSAGE
from ingest.fetch import Fetcher, FetchLimits
from ingest.loaders import UrlLoader
from retrieval.errors import NewsdeskError
from retrieval.models import Answer, Citation
from tests.bot.conftest import TOKEN, Harness
from tests.bot.fake_discord import FakeDiscord, FakeGuild, Recorded
from tests.ingest.pages import article_page
from tests.ingest.test_rechunk import _long_story

ARTICLES = Path(__file__).parent / "articles"
EPHEMERAL = 64
NO_PINGS = {"parse": []}


def ingest_article(newsroom, guild: FakeGuild, name: str) -> None:
    report = newsroom.ingest_sync([str(ARTICLES / name)], str(guild.id))
    assert report.articles_added == 1, report.to_dict()


def halden_asked(fake, newsroom, monkeypatch) -> tuple[FakeGuild, list[tuple[str, str | None]]]:
    """A guild with three articles, and the list of (question, article limit) the bot asks."""
    guild = fake.add_guild("Halden")
    for name in ("vance-lighthouse-guild.txt", "floating-library.txt", "tram-tunnel.md"):
        ingest_article(newsroom, guild, name)
    asked: list[tuple[str, str | None]] = []
    real_ask = newsroom.ask

    async def spy(question, namespace="default", k=None, as_of=None, limits=None):
        asked.append((question, limits.article if limits else None))
        return await real_ask(question, namespace, k, as_of, limits)

    monkeypatch.setattr(newsroom, "ask", spy)
    return guild, asked


def newsroom_articles(harness: Harness, guild: FakeGuild) -> list:
    return harness.bot.newsroom.articles_sync(str(guild.id))


def replies(fake: FakeDiscord, guild: FakeGuild, message_id: int) -> list[Recorded]:
    """The bot's messages in the guild's channel that reply to ``message_id``."""
    return [
        r
        for r in fake.requests_to("POST", f"/channels/{guild.channel_id}/messages")
        if str((r.payload.get("message_reference") or {}).get("message_id")) == str(message_id)
    ]


def callback(requests: list[Recorded]) -> Recorded:
    found = [r for r in requests if r.path.endswith("/callback")]
    assert len(found) == 1, [r.path for r in requests]
    return found[0]


def followup_texts(requests: list[Recorded]) -> list[str]:
    return [r.payload["content"] for r in requests if r.method == "POST" and "/webhooks/" in r.path]


def ephemeral_reply(requests: list[Recorded]) -> str:
    """The one-line ephemeral message an interaction got (direct or as a follow-up)."""
    for r in requests:
        data = r.payload.get("data", r.payload) if r.payload else {}
        if r.method == "POST" and (data.get("flags") or 0) & EPHEMERAL and data.get("content"):
            return str(data["content"])
    raise AssertionError(f"no ephemeral message in {[(r.method, r.path, r.payload) for r in requests]}")


async def test_ask_defers_then_answers_with_citations(fake: FakeDiscord, start_bot, newsroom):
    guild = fake.add_guild("Halden")
    ingest_article(newsroom, guild, "vance-lighthouse-guild.txt")
    harness: Harness = await start_bot()

    requests = await harness.command(
        "ask", {"question": "Who did Admiral Vance meet?"}, guild=guild, user=fake.user("reader")
    )

    first = callback(requests)
    assert first.payload["type"] == 5 and not (first.payload.get("data") or {}).get("flags")
    assert requests[0] is first, "the interaction must be acknowledged before anything else"
    (answer,) = followup_texts(requests)
    assert "Ilse Varga" in answer and "[1]" in answer
    assert "**Sources**" in answer and "Admiral Vance meets the Lighthouse Guild" in answer
    assert "<https://courier.example/vance-guild>" in answer
    assert all(r.payload["allowed_mentions"] == NO_PINGS for r in requests if "/webhooks/" in r.path)


async def test_private_ask_is_deferred_ephemerally(fake, start_bot, newsroom):
    guild = fake.add_guild("Halden")
    ingest_article(newsroom, guild, "floating-library.txt")
    harness = await start_bot()
    options = {"question": "When does the floating library open?", "private": True}
    requests = await harness.command("ask", options, guild=guild, user=fake.user("reader"))
    assert callback(requests).payload["data"]["flags"] & EPHEMERAL
    assert "June 2026" in followup_texts(requests)[0]

    def kept() -> int:  # questions on disk
        path = harness.bot.get_cog("Ask").conversations.path
        if not path.exists():
            return 0
        with contextlib.closing(sqlite3.connect(path)) as db:
            return int(db.execute("SELECT count(*) FROM answered").fetchone()[0])

    assert kept() == 0  # a private question is not kept
    options["private"] = False
    await harness.command("ask", options, guild=guild, user=fake.user("reader"))
    assert kept() == 1


async def test_find_sources_on_a_message_quotes_what_the_articles_say_to_the_member_only(
    fake, start_bot, newsroom
):
    guild = fake.add_guild("Halden")
    ingest_article(newsroom, guild, "floating-library.txt")
    harness = await start_bot()
    (menu,) = [c for c in fake.commands["global"] if c["name"] == "Find sources"]
    assert menu["type"] == 3  # a message context menu
    poster, reader = fake.user("poster"), fake.user("reader")
    claim = await fake.say(
        guild,
        poster,
        "heard the harbour council voted down the floating library @everyone",
        mention_bot=False,
    )
    requests = await harness.message_command("Find sources", claim, guild=guild, user=reader)

    first = callback(requests)
    assert first.payload["type"] == 5 and first.payload["data"]["flags"] & EPHEMERAL
    (answer,) = followup_texts(requests)
    assert answer.startswith(
        "What this server's articles say about “heard the harbour council voted down the floating "
        "library @everyone” (poster):\n\n"
    )
    assert "voted seven to two on Monday to build a floating library" in answer and "[1]" in answer
    assert "<https://courier.example/floating-library>" in answer
    assert all(r.payload["allowed_mentions"] == NO_PINGS for r in requests if "/webhooks/" in r.path)
    assert not fake.requests_to("POST", f"/channels/{guild.channel_id}/messages"), "nothing said in public"


async def test_find_sources_on_a_message_without_text_says_so(fake, start_bot):
    guild = fake.add_guild("Halden")
    harness = await start_bot()
    image_only = await fake.say(guild, fake.user("poster"), "", mention_bot=False)
    requests = await harness.message_command(
        "Find sources", image_only, guild=guild, user=fake.user("reader")
    )
    assert ephemeral_reply(requests) == "That message has no text to look up."


def serve_story(httpserver: HTTPServer, newsroom) -> str:
    """The link of an article page on the loopback server, which the newsroom may fetch."""
    httpserver.expect_request("/minister").respond_with_data(article_page(), content_type="text/html")
    newsroom.ingestor.url_loader = UrlLoader(Fetcher(FetchLimits(allow_private=True, timeout=5)), 100)
    return httpserver.url_for("/minister")


async def test_add_to_library_takes_a_messages_links_and_article_files_for_managers_only(
    fake: FakeDiscord, start_bot, newsroom, httpserver: HTTPServer
):
    guild = fake.add_guild("Halden")
    story = serve_story(httpserver, newsroom)
    harness = await start_bot()
    (menu,) = [c for c in fake.commands["global"] if c["name"] == "Add to library"]
    assert menu["type"] == 3  # a message context menu
    files = (
        fake.add_attachment("floating-library.txt", (ARTICLES / "floating-library.txt").read_bytes()),
        fake.add_attachment("harbour.png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
    )
    posted = await fake.say(
        guild,
        fake.user("poster"),
        f"big news: <{story}> (and again: {story}/?utm_source=chat) @everyone",
        mention_bot=False,
        attachments=files,
    )

    refused = await harness.message_command("Add to library", posted, guild=guild, user=fake.user("reader"))
    assert ephemeral_reply(refused).startswith("Only members with the Manage Server permission")
    assert newsroom.store.articles(str(guild.id)) == []

    editor = fake.user("editor", manage_guild=True)
    requests = await harness.message_command("Add to library", posted, guild=guild, user=editor)
    assert callback(requests).payload["type"] == 5
    (reply,) = followup_texts(requests)
    assert "Added **Minister resigns over budget row** (2024-05-17)" in reply
    assert "Added **Harbour council approves a floating library** (2025-02-11)" in reply
    assert "harbour.png" not in reply  # a picture is passed over, not reported as a failure
    # the manager who added them, not the member who posted the links
    assert {a.added_by for a in newsroom.store.articles(str(guild.id))} == {f"discord:{editor.id}"}
    stored = {a.title: a.url for a in newsroom.store.articles(str(guild.id))}
    assert stored["Minister resigns over budget row"] == story  # tracking query dropped
    assert stored.keys() == {
        "Minister resigns over budget row",
        "Harbour council approves a floating library",
    }
    assert len(httpserver.log) == 1  # the same story linked twice is fetched once

    again = await harness.message_command("Add to library", posted, guild=guild, user=editor)
    assert followup_texts(again)[0].count("Already stored") == 2
    assert len(newsroom.store.articles(str(guild.id))) == 2


async def test_add_to_library_reads_the_link_of_a_feed_bots_embed(
    fake: FakeDiscord, start_bot, newsroom, httpserver: HTTPServer
):
    guild = fake.add_guild("Halden")
    story = serve_story(httpserver, newsroom)
    harness = await start_bot()
    card = {"type": "rich", "title": "Minister resigns", "url": story, "description": "teaser"}
    posted = await fake.say(guild, fake.user("wirebot"), "", mention_bot=False, embeds=(card,))
    editor = fake.user("editor", manage_guild=True)
    requests = await harness.message_command("Add to library", posted, guild=guild, user=editor)
    (reply,) = followup_texts(requests)
    assert reply == "Added **Minister resigns over budget row** (2024-05-17) — 1 chunk."
    assert [a.url for a in newsroom.store.articles(str(guild.id))] == [story]


NOTHING = "That message has no link or article file to add."


@pytest.mark.parametrize(
    ("content", "names", "refusal"),
    [
        ("what a week", (), NOTHING),
        ("look", ("harbour.png",), f"{NOTHING} (harbour.png is not an article file.)"),
        ("look", ("a.png", "b.mp4"), f"{NOTHING} (a.png, b.mp4 are not article files.)"),
        (
            " ".join(f"https://news.invalid/{i}" for i in range(10)),
            ("a.txt",),
            "That message has 11 links and files; add at most 10 at once with /ingest.",
        ),
    ],
)
async def test_add_to_library_says_what_it_cannot_add(fake, start_bot, newsroom, content, names, refusal):
    guild = fake.add_guild("Halden")
    harness = await start_bot()
    files = tuple(fake.add_attachment(name, b"A title\n\nA body.") for name in names)
    posted = await fake.say(guild, fake.user("poster"), content, mention_bot=False, attachments=files)
    editor = fake.user("editor", manage_guild=True)
    requests = await harness.message_command("Add to library", posted, guild=guild, user=editor)
    assert ephemeral_reply(requests) == refusal
    assert newsroom.store.articles(str(guild.id)) == []


async def test_a_manager_exports_the_library_and_another_server_ingests_the_file(fake, start_bot, newsroom):
    halden, wrenfield = fake.add_guild("Halden"), fake.add_guild("Wrenfield")
    for name in ("floating-library.txt", "vance-lighthouse-guild.txt"):
        ingest_article(newsroom, halden, name)
    harness = await start_bot()
    editor = fake.user("editor", manage_guild=True)

    refused = await harness.command("export", guild=halden, user=fake.user("reader"))
    assert ephemeral_reply(refused).startswith("Only members with the Manage Server permission")
    requests = await harness.command("export", guild=halden, user=editor)
    assert callback(requests).payload["data"]["flags"] & EPHEMERAL
    (sent,) = [r for r in requests if r.method == "POST" and "/webhooks/" in r.path]
    assert sent.payload["content"].startswith("2 articles of this server's library, one JSON line each")
    assert sent.payload["flags"] & EPHEMERAL and sent.payload["allowed_mentions"] == NO_PINGS
    ((name, data),) = sent.files.items()
    (filename,) = [a["filename"] for a in sent.payload["attachments"]]
    assert filename.startswith(f"newsdesk-{halden.id}-") and filename.endswith(".jsonl")
    rows = [json.loads(line) for line in data.decode().splitlines()]
    assert {r["title"] for r in rows} == {a.title for a in newsroom.store.articles(str(halden.id))}

    attachment = fake.add_attachment(filename, data)
    await harness.command("ingest", guild=wrenfield, user=editor, attachments={"file": attachment})
    moved = {(a.id, a.title, a.url, a.published_at) for a in newsroom.store.articles(str(wrenfield.id))}
    assert moved == {(a.id, a.title, a.url, a.published_at) for a in newsroom.store.articles(str(halden.id))}

    empty = await harness.command("export", guild=fake.add_guild("Empty"), user=editor)
    assert followup_texts(empty) == ["No articles here yet: nothing to export."]

    fake.attachment_size_limit = len(data) - 1  # a server whose upload limit the library exceeds
    too_big = await harness.command("export", guild=halden, user=editor)
    (message,) = followup_texts(too_big)
    assert message.endswith(f"run `newsdesk export --namespace {halden.id}` on the bot's machine.")
    assert not any(r.files for r in too_big)


async def test_anyone_reads_an_article_in_full_picked_by_title(fake, start_bot, newsroom):
    guild = fake.add_guild("Halden")
    ingest_article(newsroom, guild, "floating-library.txt")
    long_read = _long_story(60)  # longer than an embed holds
    newsroom.ingestor.ingest_items([("long", long_read)], str(guild.id))
    harness = await start_bot()
    reader = fake.user("reader")

    choices = await harness.command(
        "article", {"article": "floating"}, guild=guild, user=reader, autocomplete="article"
    )
    (choice,) = callback(choices).payload["data"]["choices"]
    assert choice["name"] == "Harbour council approves a floating library (2025-02-11)"
    requests = await harness.command("article", {"article": choice["value"]}, guild=guild, user=reader)
    assert callback(requests).payload["data"]["flags"] & EPHEMERAL
    (card,) = [r.payload["embeds"][0] for r in requests if "/webhooks/" in r.path]
    assert card["title"] == "Harbour council approves a floating library"
    assert card["url"] == "https://courier.example/floating-library"
    today = datetime.now(UTC).date().isoformat()  # added from a terminal: no one is named
    assert card["description"].startswith(
        f"*Halden Courier, 2025-02-11 · Added {today}*\n\nThe Port Halden harbour council"
    )
    assert "reading room heated by a small wind turbine." in card["description"]
    assert (
        card["footer"]["text"]
        == f"Ask about this article alone, or ask it to summarize: /ask article:{choice['value']}"
    )

    requests = await harness.command("article", {"article": long_read.id}, guild=guild, user=reader)
    (card,) = [r.payload["embeds"][0] for r in requests if "/webhooks/" in r.path]
    assert len(card["description"]) <= 4096
    assert card["description"].endswith("*(The rest: a manager's `/export` has the full text.)*")
    missing = await harness.command("article", {"article": "no-such-id"}, guild=guild, user=reader)
    assert ephemeral_reply(missing) == "no article 'no-such-id' here"


async def test_ingest_file_then_ask_finds_the_new_article(fake, start_bot):
    guild = fake.add_guild("Lindmoor")
    editor = fake.user("editor", manage_guild=True)
    harness = await start_bot()
    attachment = fake.add_attachment("tram-tunnel.md", (ARTICLES / "tram-tunnel.md").read_bytes())

    requests = await harness.command("ingest", guild=guild, user=editor, attachments={"file": attachment})
    assert callback(requests).payload["type"] == 5
    (report,) = followup_texts(requests)
    assert report == "Added **Lindmoor opens its tram tunnel under the river** (2025-07-02) — 1 chunk."

    requests = await harness.command(
        "ask",
        {"question": "How long does the tram crossing take now?"},
        guild=guild,
        user=fake.user("reader"),
    )
    (answer,) = followup_texts(requests)
    assert "three minutes" in answer and "Lindmoor opens its tram tunnel" in answer

    # a moderator can see who added it
    (stored,) = newsroom_articles(harness, guild)
    requests = await harness.command("article", {"article": stored.id}, guild=guild, user=fake.user("mod"))
    (card,) = [r.payload["embeds"][0] for r in requests if "/webhooks/" in r.path]
    today = datetime.now(UTC).date().isoformat()
    assert card["description"].startswith(f"*Lindmoor Gazette, 2025-07-02 · Added {today} by <@{editor.id}>*")


async def test_ingest_refuses_a_url_it_cannot_fetch_with_the_reason(fake, start_bot):
    guild = fake.add_guild("Lindmoor")
    harness = await start_bot()
    requests = await harness.command(
        "ingest",
        {"url": "http://127.0.0.1:9/story"},
        guild=guild,
        user=fake.user("editor", manage_guild=True),
    )
    (report,) = followup_texts(requests)
    assert report.startswith("Not added: ") and "127.0.0.1:9" in report


async def test_member_without_permission_cannot_ingest_or_forget(fake, start_bot, newsroom):
    guild = fake.add_guild("Halden", roles=("Editors", "Readers"))
    ingest_article(newsroom, guild, "floating-library.txt")
    (article,) = newsroom.store.articles(str(guild.id))
    harness = await start_bot(manager_roles=["Editors"])
    reader = fake.user("reader", roles=[fake.role_id(guild, "Readers")])
    attachment = fake.add_attachment("tram-tunnel.md", (ARTICLES / "tram-tunnel.md").read_bytes())

    refused = await harness.command("ingest", guild=guild, user=reader, attachments={"file": attachment})
    assert callback(refused).payload["type"] == 4
    assert ephemeral_reply(refused).startswith("Only members with the Manage Server permission or one of")
    refused = await harness.command("forget", {"article": article.id}, guild=guild, user=reader)
    assert ephemeral_reply(refused).startswith("Only members with the Manage Server permission")
    assert [a.id for a in newsroom.store.articles(str(guild.id))] == [article.id]
    assert not fake.requests_to("GET", "/attachments/"), "a refused ingest must not even fetch the file"

    editor = fake.user("editor", roles=[fake.role_id(guild, "Editors")])
    done = await harness.command("forget", {"article": article.id}, guild=guild, user=editor)
    forgot = "Forgot **Harbour council approves a floating library** (1 passage removed)."
    assert followup_texts(done) == [forgot]
    assert newsroom.store.articles(str(guild.id)) == []


async def test_two_guilds_do_not_see_each_others_articles(fake, start_bot):
    halden, wrenfield = fake.add_guild("Halden"), fake.add_guild("Wrenfield")
    harness = await start_bot()
    editor = fake.user("editor", manage_guild=True)
    attachment = fake.add_attachment("vance.txt", (ARTICLES / "vance-lighthouse-guild.txt").read_bytes())
    await harness.command("ingest", guild=halden, user=editor, attachments={"file": attachment})

    question = {"question": "Who did Admiral Vance meet?"}
    here = followup_texts(await harness.command("ask", question, guild=halden, user=editor))
    there = followup_texts(await harness.command("ask", question, guild=wrenfield, user=editor))
    assert "Ilse Varga" in here[0]
    assert "Vance" not in " ".join(there) and "Varga" not in " ".join(there)

    listed = await harness.command("sources", guild=wrenfield, user=editor)
    assert "No articles here yet" in listed[-1].payload["embeds"][0]["description"]
    choices = await harness.command(
        "forget", {"article": "Vance"}, guild=wrenfield, user=editor, autocomplete="article"
    )
    assert callback(choices).payload == {"type": 8, "data": {"choices": []}}
    choices = await harness.command(
        "forget", {"article": "Vance"}, guild=halden, user=editor, autocomplete="article"
    )
    (choice,) = callback(choices).payload["data"]["choices"]
    assert choice["name"] == "Admiral Vance meets the Lighthouse Guild in Port Halden (2025-03-04)"


async def test_twenty_concurrent_asks_are_all_deferred_within_discords_deadline(
    fake, start_bot, newsroom, monkeypatch
):
    guild = fake.add_guild("Halden")
    for name in ("vance-lighthouse-guild.txt", "floating-library.txt", "bakery-strike.txt"):
        ingest_article(newsroom, guild, name)
    real_ask_sync = newsroom.ask_sync

    def slow_ask_sync(*args, **kwargs):
        # a slow model: 20 x 0.5 s would block the event loop for 10 s if it ran on it
        time.sleep(0.5)
        return real_ask_sync(*args, **kwargs)

    monkeypatch.setattr(newsroom, "ask_sync", slow_ask_sync)
    harness = await start_bot(ask_cooldown_seconds=30)  # one question per user: 20 users
    questions = [
        "Who did Admiral Vance meet?",
        "When does the floating library open?",
        "How long did the bakery strike last?",
        "What will the fog horn do?",
    ]

    ids = await asyncio.gather(
        *(
            harness.push("ask", {"question": questions[i % 4]}, guild=guild, user=fake.user(f"u{i}"))
            for i in range(20)
        )
    )
    await asyncio.gather(*(harness.wait(i, seconds=60) for i in ids))

    for interaction_id in ids:
        (ack,) = fake.callbacks(interaction_id)
        assert ack.payload["type"] == 5
        # Discord's protocol deadline: an interaction not acknowledged within 3 s fails for the user
        assert ack.at - fake.pushed_at[interaction_id] < 3.0
        (answer,) = [r.payload["content"] for r in fake.followups(interaction_id)]
        assert "[1]" in answer


async def test_mention_and_reply_chain_follow_up_are_answered(fake, start_bot, newsroom, monkeypatch):
    guild, asked = halden_asked(fake, newsroom, monkeypatch)
    await start_bot()
    reader = fake.user("reader")

    def replies_to(message_id: int) -> list[Recorded]:
        return replies(fake, guild, message_id)

    question = await fake.say(guild, reader, f"<@{fake.bot.id}> Who did Admiral Vance meet?")
    (reply,) = await fake.wait_for(lambda: replies_to(question))
    assert "Ilse Varga" in reply.payload["content"]
    assert reply.payload["allowed_mentions"] == NO_PINGS
    answer_id = next(mid for mid, m in fake.messages.items() if m["content"] == reply.payload["content"])

    follow_up = await fake.say(guild, reader, "When did they meet?", reply_to=answer_id, mention_bot=False)
    (second,) = await fake.wait_for(lambda: replies_to(follow_up))
    assert [q for q, _ in asked] == [
        "Who did Admiral Vance meet?",
        "Who did Admiral Vance meet? When did they meet?",
    ]
    assert "3 March 2025" in second.payload["content"]

    helped = await fake.say(guild, reader, f"<@{fake.bot.id}> help")
    (card,) = await fake.wait_for(lambda: replies_to(helped))
    assert (
        card.payload["embeds"][0]["title"] == "Newsdesk"
        and "/ask" in card.payload["embeds"][0]["description"]
    )
    assert len(asked) == 2  # "help" is not searched

    ignored = await fake.say(guild, reader, "unrelated chatter", mention_bot=False)
    await fake.say(guild, reader, f"<@{fake.bot.id}> When does the floating library open?")
    await fake.wait_for(lambda: len(asked) == 3)
    assert replies_to(ignored) == []


async def test_overlong_answer_is_split_at_sentences_and_sources_stay_whole(
    fake, start_bot, newsroom, monkeypatch
):
    guild = fake.add_guild("Halden")
    sentences = [
        f"Sentence number {i} reports that the harbour council met again on the pier. [{i % 3 + 1}]"
        for i in range(60)
    ]
    citations = tuple(
        Citation(
            n=n,
            article_id=f"a{n}",
            title=f"Story {n}",
            quote=f"Quote {n}. " * 60,
            start=0,
            end=10,
            chunk_id=f"c{n}",
            url=f"https://news.example/{n}",
            source="news.example",
        )
        for n in (1, 2, 3)
    )
    long_answer = Answer("q", " ".join(sentences), "extractive", citations)

    async def scripted(question, namespace="default", k=None, as_of=None, limits=None):
        return long_answer

    monkeypatch.setattr(newsroom, "ask", scripted)
    harness = await start_bot()
    messages = followup_texts(
        await harness.command(
            "ask", {"question": "What happened at the harbour?"}, guild=guild, user=fake.user("reader")
        )
    )

    assert len(messages) >= 3 and all(len(m) <= 2000 for m in messages)
    body = [m.split("\n\n**Sources**")[0] for m in messages if m.startswith("Sentence number")]
    for part in body:
        assert part.endswith("]"), "a message must end after a sentence and its marker"
    assert " ".join(body) == long_answer.text
    for n in (1, 2, 3):
        holder = [m for m in messages if f"[{n}] **Story {n}**" in m]
        assert len(holder) == 1 and f"<https://news.example/{n}>\n> Quote {n}." in holder[0]


async def test_an_article_with_everyone_cannot_make_the_bot_ping(fake, start_bot, newsroom):
    guild = fake.add_guild("Wrenfield")
    harness = await start_bot()
    editor = fake.user("editor", manage_guild=True)
    attachment = fake.add_attachment("bakery.txt", (ARTICLES / "bakery-strike.txt").read_bytes())
    ingested = await harness.command("ingest", guild=guild, user=editor, attachments={"file": attachment})
    asked = await harness.command(
        "ask", {"question": "What did the union steward post in the chat?"}, guild=guild, user=editor
    )
    await fake.say(guild, editor, f"<@{fake.bot.id}> @everyone what did the union steward post?")
    await fake.wait_for(lambda: fake.requests_to("POST", f"/channels/{guild.channel_id}/messages"))

    (answer,) = followup_texts(asked)
    assert "@everyone the ovens are back on" in answer
    sent = [
        r
        for r in [*ingested, *asked, *fake.requests_to("POST", "/channels/")]
        if r.method == "POST" and r.payload and "content" in r.payload
    ]
    assert len(sent) == 3
    for request in sent:
        assert request.payload["allowed_mentions"]["parse"] == []
        assert not request.payload["allowed_mentions"].get("replied_user")


async def test_direct_messages_are_refused_politely(fake, start_bot):
    fake.add_guild("Halden")
    harness = await start_bot()
    reader = fake.user("reader")
    requests = await harness.command("ask", {"question": "Who did Vance meet?"}, guild=None, user=reader)
    assert ephemeral_reply(requests) == GUILD_ONLY_MESSAGE
    await fake.say(None, reader, "hello, who won the vote?", mention_bot=False)
    (sent,) = await fake.wait_for(lambda: fake.requests_to("POST", "/messages"))
    assert sent.payload["content"] == GUILD_ONLY_MESSAGE


async def test_cooldown_tells_the_user_when_to_retry(fake, start_bot, newsroom):
    guild = fake.add_guild("Halden")
    harness = await start_bot(ask_cooldown_seconds=60)
    reader = fake.user("reader")
    await harness.command("ask", {"question": "Who did Admiral Vance meet?"}, guild=guild, user=reader)
    again = await harness.command("ask", {"question": "And then?"}, guild=guild, user=reader)
    assert callback(again).payload["type"] == 4
    message = ephemeral_reply(again)
    assert message.startswith("You're asking too fast: try again in ") and message.endswith(" s.")
    await fake.say(guild, reader, f"<@{fake.bot.id}> still there?")
    (reply,) = await fake.wait_for(lambda: fake.requests_to("POST", f"/channels/{guild.channel_id}/messages"))
    assert reply.payload["content"].startswith("You're asking too fast")
    claim = await fake.say(guild, fake.user("poster"), "The admiral met the guild.", mention_bot=False)
    menu = await harness.message_command("Find sources", claim, guild=guild, user=reader)
    assert ephemeral_reply(menu).startswith("You're asking too fast")


async def test_errors_become_one_line_or_an_apology_and_the_token_is_never_logged(
    fake, start_bot, newsroom, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    guild = fake.add_guild("Halden")
    harness = await start_bot()
    reader = fake.user("reader")

    async def broken(question, namespace="default", k=None, as_of=None, limits=None):
        raise RuntimeError("internal detail /srv/secret/path")

    monkeypatch.setattr(newsroom, "ask", broken)
    failed = await harness.command("ask", {"question": "Who?"}, guild=guild, user=reader)
    assert ephemeral_reply(failed) == APOLOGY
    assert "secret" not in str([r.payload for r in failed])
    assert fake.requests_to("DELETE", "/messages/@original"), "the public 'thinking' message is removed"
    assert any(r.exc_info and "internal detail" in str(r.exc_info[1]) for r in caplog.records)

    async def refused(question, namespace="default", k=None, as_of=None, limits=None):
        raise NewsdeskError("the store is unavailable, try again in a minute")

    monkeypatch.setattr(newsroom, "ask", refused)
    failed = await harness.command("ask", {"question": "Who?"}, guild=guild, user=reader)
    assert ephemeral_reply(failed) == "the store is unavailable, try again in a minute"
    missing = await harness.command(
        "forget", {"article": "no-such-id"}, guild=guild, user=fake.user("editor", manage_guild=True)
    )
    assert "no article" in ephemeral_reply(missing)
    assert all(TOKEN not in record.getMessage() for record in caplog.records)
    assert all(TOKEN not in str(r.payload) for r in fake.requests)


async def test_commands_sync_to_configured_guilds_and_still_run(fake, start_bot, newsroom):
    guild = fake.add_guild("Halden")
    ingest_article(newsroom, guild, "floating-library.txt")
    harness = await start_bot(guild_ids=[guild.id])
    assert not fake.requests_to("PUT", f"/applications/{fake.application_id}/commands")
    (sync,) = fake.requests_to("PUT", f"/guilds/{guild.id}/commands")
    assert {c["name"] for c in sync.payload} >= {"ask", "ingest", "sources", "forget", "stats", "help"}
    requests = await harness.command("stats", guild=guild, user=fake.user("reader"))
    assert followup_texts(requests) == [
        "This server's library: 1 article from 1 outlet, published 2025-02-11 (1 passage)."
    ]
    (pushed,) = fake.interactions.values()
    assert pushed["data"]["guild_id"] == str(guild.id)  # looked up among the guild's commands


async def test_sources_lists_and_filters_the_servers_articles(fake, start_bot, newsroom):
    guild = fake.add_guild("Halden")
    for name in ("vance-lighthouse-guild.txt", "floating-library.txt"):
        ingest_article(newsroom, guild, name)
    harness = await start_bot()
    reader = fake.user("reader")
    listed = (await harness.command("sources", guild=guild, user=reader))[-1].payload["embeds"][0]
    assert listed["title"] == "Newest articles (2 of 2)"
    assert listed["description"].index("Admiral Vance") < listed["description"].index("floating library")
    found = (await harness.command("sources", {"query": "library"}, guild=guild, user=reader))[-1]
    assert "Admiral" not in found.payload["embeds"][0]["description"]
    recent = (await harness.command("sources", {"since": "2025-03"}, guild=guild, user=reader))[-1]
    (shown,) = recent.payload["embeds"]
    assert shown["title"] == "Articles published since 2025-03 (1 of 2)"
    assert "Admiral Vance" in shown["description"] and "floating library" not in shown["description"]
    options = {"query": "vance", "until": "2025-02"}
    (none,) = (await harness.command("sources", options, guild=guild, user=reader))[-1].payload["embeds"]
    assert none["title"] == "Articles matching “vance”, published by 2025-02 (0 of 2)"
    assert none["description"] == "None of this server's articles fits; try fewer words or a wider period."
    refused = await harness.command("sources", {"since": "last tuesday"}, guild=guild, user=reader)
    assert ephemeral_reply(refused).startswith("since: unreadable date 'last tuesday'")
    helped = await harness.command("help", guild=guild, user=reader)
    assert "/ask" in callback(helped).payload["data"]["embeds"][0]["description"]


async def test_the_client_never_connects_outside_loopback(fake, start_bot, connections):
    guild = fake.add_guild("Halden")
    harness = await start_bot()
    await harness.command("help", guild=guild, user=fake.user("reader"))
    assert connections.seen, "the guard saw no connection: it is not hooked in"
    assert all(address[0] == "127.0.0.1" for address in connections.seen)
    try:
        connections.check(("162.159.128.233", 443))  # what discord.com resolves to
    except OSError:
        connections.refused.clear()
    else:
        raise AssertionError("the guard let a non-loopback address through")


async def test_a_reply_to_an_ask_answer_is_a_follow_up(fake, start_bot, newsroom, monkeypatch):
    guild = fake.add_guild("Halden")
    ingest_article(newsroom, guild, "vance-lighthouse-guild.txt")
    asked: list[str] = []
    real_ask = newsroom.ask

    async def spy(question, namespace="default", k=None, as_of=None, limits=None):
        asked.append(question)
        return await real_ask(question, namespace, k, as_of, limits)

    monkeypatch.setattr(newsroom, "ask", spy)
    harness = await start_bot()
    reader = fake.user("reader")
    interaction_id = await harness.push(
        "ask", {"question": "Who did Admiral Vance meet?"}, guild=guild, user=reader
    )
    await harness.wait(interaction_id)
    answer_id = next(int(m["id"]) for m in fake.messages.values() if "Ilse Varga" in m["content"])

    follow_up = await fake.say(
        guild, reader, f"<@{fake.bot.id}> what will the fog horn do?", reply_to=answer_id
    )
    (reply,) = await fake.wait_for(lambda: fake.requests_to("POST", f"/channels/{guild.channel_id}/messages"))
    assert str(reply.payload["message_reference"]["message_id"]) == str(follow_up)
    assert asked[-1] == "Who did Admiral Vance meet? what will the fog horn do?"
    assert "thirty seconds" in reply.payload["content"]


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (NewsdeskError("the store is\nunavailable"), "the store is unavailable"),
        (RuntimeError("internal detail"), APOLOGY),
    ],
)
async def test_a_failed_mention_answer_is_one_line_or_an_apology(
    fake, start_bot, newsroom, monkeypatch, error, shown
):
    guild = fake.add_guild("Halden")

    async def failing(question, namespace="default", k=None, as_of=None, limits=None):
        raise error

    monkeypatch.setattr(newsroom, "ask", failing)
    await start_bot()
    await fake.say(guild, fake.user("reader"), f"<@{fake.bot.id}> who won?")
    (reply,) = await fake.wait_for(lambda: fake.requests_to("POST", f"/channels/{guild.channel_id}/messages"))
    assert reply.payload["content"] == shown


async def test_search_indexes_are_built_at_start_so_the_first_question_does_not_wait(
    fake: FakeDiscord, start_bot, newsroom, monkeypatch
):
    guild = fake.add_guild("Halden")
    empty = fake.add_guild("Lindmoor")  # nothing ingested: nothing to build
    ingest_article(newsroom, guild, "vance-lighthouse-guild.txt")
    harness: Harness = await start_bot()
    assert harness.bot._warming is not None
    await asyncio.wait_for(harness.bot._warming, timeout=30)
    assert harness.bot._warming.result() is None

    reads: list[int] = []
    real_get_chunks = newsroom.store.get_chunks
    monkeypatch.setattr(
        newsroom.store, "get_chunks", lambda ns, ids: reads.append(len(ids)) or real_get_chunks(ns, ids)
    )
    requests = await harness.command(
        "ask", {"question": "Who did Admiral Vance meet?"}, guild=guild, user=fake.user("reader")
    )
    assert "[1]" in followup_texts(requests)[0]
    assert reads == []  # answered from the index built at start, not by reading the store
    assert str(empty.id) not in newsroom.store.namespaces()


async def test_articles_added_behind_the_bots_back_are_indexed_before_the_next_question(
    fake: FakeDiscord, start_bot, newsroom, monkeypatch
):
    guild = fake.add_guild("Halden")
    ingest_article(newsroom, guild, "vance-lighthouse-guild.txt")
    harness: Harness = await start_bot(index_refresh_seconds=0.05)
    await asyncio.wait_for(harness.bot._warming, timeout=30)

    reads: list[int] = []
    real_get_chunks = newsroom.store.get_chunks
    monkeypatch.setattr(
        newsroom.store, "get_chunks", lambda ns, ids: reads.append(len(ids)) or real_get_chunks(ns, ids)
    )
    # Another writer (a terminal ingest) adds an article; no question is asked meanwhile.
    ingest_article(newsroom, guild, "bakery-strike.txt")
    for _ in range(400):
        if reads:
            break
        await asyncio.sleep(0.05)
    assert reads, "the bot never caught its index up with the new article"
    reads.clear()  # a question during the catch-up waits for it, and reads nothing itself

    requests = await harness.command(
        "ask",
        {"question": "How long did the bakery strike in Wrenfield last?"},
        guild=guild,
        user=fake.user("reader"),
    )
    assert "nine days" in followup_texts(requests)[0]
    assert reads == []  # the question found the new article without reading the store


async def test_ask_options_limit_the_search_to_a_period_or_an_outlet(fake: FakeDiscord, start_bot, newsroom):
    guild = fake.add_guild("Halden")
    for name in ("vance-lighthouse-guild.txt", "floating-library.txt", "bakery-strike.txt"):
        ingest_article(newsroom, guild, name)
    harness: Harness = await start_bot()
    reader = fake.user("reader")

    async def ask(**options: str) -> list[Recorded]:
        return await harness.command("ask", options, guild=guild, user=reader)

    choices = await harness.command(
        "ask", {"question": "x", "outlet": "cour"}, guild=guild, user=reader, autocomplete="outlet"
    )
    assert [c["name"] for c in callback(choices).payload["data"]["choices"]] == ["Halden Courier"]

    (text,) = followup_texts(await ask(question="Who did Admiral Vance meet?", outlet="wrenfield post"))
    assert "Bakery strike in Wrenfield" in text and "Lighthouse Guild" not in text  # only the Post's

    (text,) = followup_texts(await ask(question="Who did Admiral Vance meet?", since="2025-03-05"))
    assert "courier.example/vance-guild" not in text  # published the day before

    (text,) = followup_texts(await ask(question="Who did Admiral Vance meet?", since="2030-01-01"))
    assert text == "No articles published since 2030-01-01 are stored here."

    refused = await ask(question="Who did Admiral Vance meet?", since="2025-02-30")
    assert ephemeral_reply(refused) == "since: unreadable date '2025-02-30' (no such day or time)"
    refused = await ask(question="Who did Admiral Vance meet?", outlet="Reuters")
    assert ephemeral_reply(refused).startswith("no articles from 'Reuters' here (outlets: Halden Courier")


async def test_whats_new_lists_the_servers_newest_stories(fake: FakeDiscord, start_bot, newsroom):
    guild = fake.add_guild("Halden")
    for name in ("vance-lighthouse-guild.txt", "floating-library.txt", "bakery-strike.txt", "tram-tunnel.md"):
        ingest_article(newsroom, guild, name)
    await start_bot()
    await fake.say(guild, fake.user("reader"), f"<@{fake.bot.id}> what's new?")
    (reply,) = await fake.wait_for(lambda: fake.requests_to("POST", f"/channels/{guild.channel_id}/messages"))
    lines = reply.payload["content"].splitlines()
    assert lines[0] == "The newest articles here:"
    assert [line[-3:] for line in lines[1:5]] == ["[1]", "[2]", "[3]", "[4]"]
    sources = reply.payload["content"].split("**Sources**", 1)[1]
    newest_first = ["tram tunnel", "Bakery strike", "Admiral Vance", "floating library"]
    assert [sources.index(title) for title in newest_first] == sorted(sources.index(t) for t in newest_first)


async def test_ask_about_one_article_picked_by_autocomplete(fake: FakeDiscord, start_bot, newsroom):
    guild = fake.add_guild("Halden")
    for name in ("vance-lighthouse-guild.txt", "floating-library.txt", "bakery-strike.txt"):
        ingest_article(newsroom, guild, name)
    harness: Harness = await start_bot()
    reader = fake.user("reader")
    typed = {"question": "x", "article": "bakery"}
    choices = await harness.command("ask", typed, guild=guild, user=reader, autocomplete="article")
    ((picked,),) = [callback(choices).payload["data"]["choices"]]
    assert picked["name"].startswith("Bakery strike in Wrenfield ends after nine days (")

    options = {"question": "Who did Admiral Vance meet?", "article": picked["value"]}
    (text,) = followup_texts(await harness.command("ask", options, guild=guild, user=reader))
    assert "Bakery strike in Wrenfield" in text and "Lighthouse Guild" not in text
    missing = {"question": "Who did Admiral Vance meet?", "article": "u-0000000000000000"}
    refused = await harness.command("ask", missing, guild=guild, user=reader)
    assert ephemeral_reply(refused) == "no article 'u-0000000000000000' here"


@pytest.mark.parametrize(
    "given", ["{secret}", "file://{secret}", "{folder}", "  {secret} ", "ftp://example.org/a"]
)
async def test_ingest_url_never_reads_the_bots_own_files(
    fake: FakeDiscord, start_bot, newsroom, tmp_path, given
):
    secret = tmp_path / "env-copy.txt"
    secret.write_text("Bot settings\n\nDISCORD_TOKEN=not-a-real-token-but-secret\n", encoding="utf-8")
    guild = fake.add_guild("Halden")
    harness: Harness = await start_bot()
    editor = fake.user("editor", manage_guild=True)
    url = given.format(secret=secret, folder=tmp_path)
    requests = await harness.command("ingest", {"url": url}, guild=guild, user=editor)
    shown = " ".join(str(r.payload) for r in requests)
    assert "not-a-real-token" not in shown
    assert newsroom.store.articles(str(guild.id)) == []
    assert "https://" in shown or "http and https" in shown  # the refusal says what is accepted


async def test_ingest_takes_several_links_at_once_up_to_a_limit(fake: FakeDiscord, start_bot, newsroom):
    guild = fake.add_guild("Halden")
    harness: Harness = await start_bot()
    editor = fake.user("editor", manage_guild=True)
    links = " ".join(f"https://news.invalid/story-{i}" for i in range(11))
    refused = await harness.command("ingest", {"url": links}, guild=guild, user=editor)
    assert ephemeral_reply(refused) == "11 links; give at most 10 at once"
    tried = await harness.command(
        "ingest", {"url": "https://a.invalid/x https://b.invalid/y"}, guild=guild, user=editor
    )
    (text,) = followup_texts(tried)
    assert "a.invalid/x" in text and "b.invalid/y" in text  # both fetched (and both failed, offline)


async def test_a_reply_naming_a_source_asks_that_article(fake, start_bot, newsroom, monkeypatch):
    guild, asked = halden_asked(fake, newsroom, monkeypatch)
    harness = await start_bot()
    reader = fake.user("reader")

    def replies_to(message_id: int) -> list[Recorded]:
        return replies(fake, guild, message_id)

    question = await fake.say(guild, reader, f"<@{fake.bot.id}> what's new?")
    (digest,) = await fake.wait_for(lambda: replies_to(question))
    second = re.search(r"\[2\] \*\*(.+?)\*\*", digest.payload["content"])
    assert second, digest.payload["content"]
    digest_id = next(mid for mid, m in fake.messages.items() if m["content"] == digest.payload["content"])
    wanted = next(a.id for a in newsroom.articles_sync(str(guild.id)) if a.title == second[1])

    summarize = await fake.say(guild, reader, "summarize [2]", reply_to=digest_id, mention_bot=False)
    (summary,) = await fake.wait_for(lambda: replies_to(summarize))
    assert asked[-1] == ("summarize", wanted)
    assert f"[1] **{second[1]}**" in summary.payload["content"]
    assert second[1] not in digest.payload["content"].split("[2]", 1)[0]  # a different story than [1]

    wrong = await fake.say(
        guild, reader, "tell me more about source 9", reply_to=digest_id, mention_bot=False
    )
    (refusal,) = await fake.wait_for(lambda: replies_to(wrong))
    assert refusal.payload["content"] == "the answer before has no source [9]; it has [1] to [3]"
    assert len(asked) == 2  # nothing was asked

    # /ask, without replying: the member's last answer in the channel
    await harness.command("ask", {"question": "what's new?"}, guild=guild, user=reader)
    followups = followup_texts(
        await harness.command("ask", {"question": "summarize [2]"}, guild=guild, user=reader)
    )
    assert asked[-1] == ("summarize", wanted)
    assert "*Asked of source [2] of the answer to “what's new?”.*" in followups[0]
    assert f"[1] **{second[1]}**" in followups[0]


def edits_of(fake: FakeDiscord, guild: FakeGuild, message_id: int) -> list[Recorded]:
    return fake.requests_to("PATCH", f"/channels/{guild.channel_id}/messages/{message_id}")


async def test_an_edited_question_is_answered_again_in_the_same_message(
    fake, start_bot, newsroom, monkeypatch
):
    guild, asked = halden_asked(fake, newsroom, monkeypatch)
    await start_bot()
    reader = fake.user("reader")
    me = f"<@{fake.bot.id}>"

    question = await fake.say(guild, reader, f"{me} Who did Admiral Vance meet?")
    (reply,) = await fake.wait_for(lambda: replies(fake, guild, question))
    answer_id = next(mid for mid, m in fake.messages.items() if m["content"] == reply.payload["content"])
    follow_up = await fake.say(guild, reader, "When did they meet?", reply_to=answer_id, mention_bot=False)
    (second,) = await fake.wait_for(lambda: replies(fake, guild, follow_up))
    second_id = next(mid for mid, m in fake.messages.items() if m["content"] == second.payload["content"])

    # the follow-up, edited, is still asked after the answer it replied to
    await fake.edit(follow_up, "Where did they meet?")
    (edited,) = await fake.wait_for(lambda: edits_of(fake, guild, second_id))
    assert asked[-1] == ("Who did Admiral Vance meet? Where did they meet?", None)
    assert edited.payload["allowed_mentions"] == NO_PINGS and "[1]" in edited.payload["content"]

    await fake.edit(question, f"{me} When does the floating library open?")
    (edited,) = await fake.wait_for(lambda: edits_of(fake, guild, answer_id))
    assert asked[-1] == ("When does the floating library open?", None)
    assert "floating library" in edited.payload["content"].lower()
    assert len(replies(fake, guild, question)) == 1  # edited in place, not answered twice
    # a reply to the edited answer continues the new question
    more = await fake.say(guild, reader, "and who runs it?", reply_to=answer_id, mention_bot=False)
    await fake.wait_for(lambda: replies(fake, guild, more))
    assert asked[-1] == ("When does the floating library open? and who runs it?", None)

    # Discord sends an edit when it adds a link preview: the text is the same, nothing is asked;
    # nor is a message the bot never answered
    await fake.edit(question, f"{me} When does the floating library open?")
    chatter = await fake.say(guild, reader, "unrelated chatter", mention_bot=False)
    await fake.edit(chatter, "unrelated chatter, edited")
    count = len(asked)
    later = await fake.say(guild, reader, f"{me} What opened under the river?")
    await fake.wait_for(lambda: replies(fake, guild, later))
    assert len(asked) == count + 1 and len(edits_of(fake, guild, answer_id)) == 1


async def test_an_edit_that_changes_the_answers_length_edits_adds_or_removes_messages(
    fake, start_bot, newsroom, monkeypatch
):
    guild = fake.add_guild("Halden")
    citation = Citation(1, "a1", "Story", "The pier opened.", 0, 16, "c1", "https://news.example/1")
    long_answer = Answer("q", " ".join(["The pier opened on a Monday. [1]"] * 150), "extractive", (citation,))
    short_answer = Answer("q", "The pier opened. [1]", "extractive", (citation,))

    async def scripted(question, namespace="default", k=None, as_of=None, limits=None):
        return long_answer if "long" in question else short_answer

    monkeypatch.setattr(newsroom, "ask", scripted)
    await start_bot()
    reader = fake.user("reader")
    channel = f"/channels/{guild.channel_id}/messages"

    question = await fake.say(guild, reader, f"<@{fake.bot.id}> tell it long")
    await fake.wait_for(lambda: len(fake.requests_to("POST", channel)) >= 3)
    parts = [mid for mid, m in fake.messages.items() if m["author"]["id"] == str(fake.bot.id)]
    assert len(parts) >= 3

    await fake.edit(question, f"<@{fake.bot.id}> tell it short")
    await fake.wait_for(lambda: len(fake.requests_to("DELETE", channel)) == len(parts) - 1)
    (edited,) = edits_of(fake, guild, parts[0])
    assert edited.payload["content"].startswith("The pier opened. [1]\n\n**Sources**")
    assert [mid for mid in parts if mid in fake.messages] == parts[:1]

    posted = len(fake.requests_to("POST", channel))
    await fake.edit(question, f"<@{fake.bot.id}> tell it long again")
    await fake.wait_for(lambda: len(fake.requests_to("POST", channel)) == posted + len(parts) - 1)
    assert len(edits_of(fake, guild, parts[0])) == 2

    # deleting the question deletes its answer, every message of it
    other = await fake.say(guild, reader, f"<@{fake.bot.id}> tell it long, once more")
    await fake.wait_for(lambda: len(fake.requests_to("POST", channel)) >= posted + 2 * len(parts) - 1)
    answer = [mid for mid, m in fake.messages.items() if m["author"]["id"] == str(fake.bot.id)][-len(parts) :]
    deleted = len(fake.requests_to("DELETE", channel))
    await fake.delete(other)
    await fake.wait_for(lambda: len(fake.requests_to("DELETE", channel)) == deleted + len(parts))
    assert not any(mid in fake.messages for mid in answer)

    # an answer a moderator removed stays removed when its question is edited
    del fake.messages[parts[0]]
    posted = len(fake.requests_to("POST", channel))
    await fake.edit(question, f"<@{fake.bot.id}> tell it short again")
    await fake.wait_for(lambda: len(edits_of(fake, guild, parts[0])) == 3)
    later = await fake.say(guild, reader, f"<@{fake.bot.id}> short one")
    await fake.wait_for(lambda: replies(fake, guild, later))
    assert len(fake.requests_to("POST", channel)) == posted + 1  # only the answer to "short one"


async def test_a_manager_lists_and_forgets_what_one_member_added_and_gets_a_copy(fake, start_bot, newsroom):
    guild = fake.add_guild("Halden")
    ingest_article(newsroom, guild, "vance-lighthouse-guild.txt")  # from a terminal: no member
    harness = await start_bot()
    manager, editor = fake.user("manager", manage_guild=True), fake.user("editor", manage_guild=True)
    reader = fake.user("reader")
    for name in ("floating-library.txt", "tram-tunnel.md"):
        posted = fake.add_attachment(name, (ARTICLES / name).read_bytes())
        await harness.command("ingest", guild=guild, user=editor, attachments={"file": posted})
    namespace = str(guild.id)
    assert sorted(a.added_by or "" for a in newsroom.store.articles(namespace)) == [
        "",
        f"discord:{editor.id}",
        f"discord:{editor.id}",
    ]

    listed = await harness.command("sources", {"added_by": editor}, guild=guild, user=reader)
    (shown,) = listed[-1].payload["embeds"]
    assert shown["title"] == "Articles added by editor (2 of 3)"
    assert "Admiral Vance" not in shown["description"] and "tram tunnel" in shown["description"].lower()

    neither = await harness.command("forget", guild=guild, user=manager)
    assert (
        ephemeral_reply(neither) == "Name an article, or a member whose articles to remove: one of the two."
    )
    none = await harness.command("forget", {"added_by": reader}, guild=guild, user=manager)
    assert followup_texts(none) == [
        f"<@{reader.id}> added no article to this server's library: nothing removed."
    ]

    fake.attachment_size_limit = 100  # a copy Discord would not take: nothing is removed
    too_big = await harness.command("forget", {"added_by": editor}, guild=guild, user=manager)
    assert ephemeral_reply(too_big).endswith(
        f"so nothing was removed: run `newsdesk forget --added-by discord:{editor.id} --out FILE.jsonl"
        f" --namespace {namespace}` on the bot's machine."
    )
    assert len(newsroom.store.articles(namespace)) == 3
    fake.attachment_size_limit = 25 * 1024 * 1024

    forgot = await harness.command("forget", {"added_by": editor}, guild=guild, user=manager)
    public, private = [r for r in forgot if r.method == "POST" and "/webhooks/" in r.path]
    assert public.payload["content"] == f"Forgot the 2 articles <@{editor.id}> added."
    assert (
        public.payload["allowed_mentions"] == NO_PINGS and not (public.payload.get("flags") or 0) & EPHEMERAL
    )
    assert private.payload["flags"] & EPHEMERAL
    assert private.payload["content"] == "A copy of the 2 articles removed: `/ingest file:` puts them back."
    ((_, data),) = private.files.items()
    assert {json.loads(line)["title"] for line in data.decode().splitlines()} == {
        "Harbour council approves a floating library",
        "Lindmoor opens its tram tunnel under the river",
    }
    assert [a.title for a in newsroom.store.articles(namespace)] == [
        "Admiral Vance meets the Lighthouse Guild in Port Halden"
    ]


async def test_votes_on_answers_are_kept_and_managers_see_the_answers_voted_down_most(
    fake, start_bot, newsroom, monkeypatch
):
    guild, _ = halden_asked(fake, newsroom, monkeypatch)
    harness = await start_bot()
    reader, other = fake.user("reader"), fake.user("other")
    manager = fake.user("manager", manage_guild=True)

    async def answer_to(question: str) -> int:
        asked = await fake.say(guild, reader, f"<@{fake.bot.id}> {question}")
        (reply,) = await fake.wait_for(lambda: replies(fake, guild, asked))
        return next(mid for mid, m in fake.messages.items() if m["content"] == reply.payload["content"])

    vance = await answer_to("Who did Admiral Vance meet?")
    tram = await answer_to("What opened under the river?")
    cooldown = await fake.say(guild, reader, f"<@{fake.bot.id}> help")
    (card,) = await fake.wait_for(lambda: replies(fake, guild, cooldown))
    card_id = next(mid for mid, m in fake.messages.items() if m.get("embeds") == card.payload["embeds"])

    await fake.react(vance, reader, "👎")
    await fake.react(vance, other, "👎🏽")  # a skin tone is the same vote
    await fake.react(vance, other, "👍")
    await fake.react(tram, reader, "👍")
    await fake.react(tram, other, "👎")
    await fake.react(tram, other, "👎", remove=True)  # taken back
    await fake.react(tram, reader, "🎉")  # not a vote
    await fake.react(card_id, reader, "👎")  # the help card is not an answer
    await fake.react(cooldown, other, "👎")  # nor is a member's message

    votes = harness.bot.get_cog("Votes").feedback
    for _ in range(100):  # written off the event loop, in order: wait for the last to land
        if [(r.message_id, r.down, r.up) for r in votes.rated(guild.id)] == [(vance, 2, 1), (tram, 0, 1)]:
            break
        await asyncio.sleep(0.05)
    shown = await harness.command("feedback", guild=guild, user=manager)
    lines = shown[-1].payload["embeds"][0]["description"].split("\n")
    assert len(lines) == 2
    assert (
        lines[0].startswith("👎 2 · 👍 1 · ")
        and "[Who did Admiral Vance meet?](https://discord.com/channels/" in lines[0]
    )
    assert lines[0].endswith(f"/{guild.channel_id}/{vance})")
    assert lines[1].startswith("👎 0 · 👍 1 · ") and "What opened under the river?" in lines[1]

    refused = await harness.command("feedback", guild=guild, user=reader)
    assert ephemeral_reply(refused).startswith("Only members with the Manage Server permission")
    other_server = await harness.command("feedback", guild=fake.add_guild("Elsewhere"), user=manager)
    assert "No votes yet" in other_server[-1].payload["embeds"][0]["description"]
