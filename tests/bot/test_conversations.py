"""Follow-ups through the loopback fake: threads, the bot's managed role, and a restart in between."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.conftest import Harness
from tests.bot.fake_discord import FakeDiscord, FakeGuild, Recorded

ARTICLES = Path(__file__).parent / "articles"
FIRST = "Who did Admiral Vance meet?"


@pytest.fixture
def asked(newsroom, monkeypatch) -> list[str]:
    """Every retrieval query the bot sent to the newsroom, in order (answers stay real)."""
    queries: list[str] = []
    real_ask = newsroom.ask

    async def spy(question, namespace="default", k=None, as_of=None, limits=None):
        queries.append(question)
        return await real_ask(question, namespace, k, as_of, limits)

    monkeypatch.setattr(newsroom, "ask", spy)
    return queries


def halden(fake: FakeDiscord, newsroom, roles: tuple[str, ...] = ()) -> FakeGuild:
    guild = fake.add_guild("Halden", roles=roles)
    for name in ("vance-lighthouse-guild.txt", "floating-library.txt"):
        report = newsroom.ingest_sync([str(ARTICLES / name)], str(guild.id))
        assert report.articles_added == 1
    return guild


def posted_in(fake: FakeDiscord, channel_id: int) -> list[Recorded]:
    return fake.requests_to("POST", f"/channels/{channel_id}/messages")


async def ask_answer_id(harness: Harness, guild: FakeGuild, question: str) -> int:
    """``/ask`` in the guild's channel; the id of the answer message the fake stored."""
    fake = harness.fake
    interaction_id = await harness.push("ask", {"question": question}, guild=guild, user=fake.user("asker"))
    await harness.wait(interaction_id)
    (followup,) = fake.followups(interaction_id)
    return next(int(m["id"]) for m in fake.messages.values() if m["content"] == followup.payload["content"])


async def test_a_mention_in_a_thread_the_bot_answered_in_follows_up_its_question(
    fake: FakeDiscord, start_bot, newsroom, asked
):
    guild = halden(fake, newsroom)
    await start_bot()
    reader = fake.user("reader")
    thread = await fake.add_thread(guild, reader)
    mention = f"<@{fake.bot.id}>"

    await fake.say(guild, reader, f"{mention} {FIRST}", channel_id=thread)
    (first,) = await fake.wait_for(lambda: posted_in(fake, thread))
    assert "Ilse Varga" in first.payload["content"]

    await fake.say(guild, reader, f"{mention} When did they meet?", channel_id=thread)
    await fake.wait_for(lambda: len(posted_in(fake, thread)) == 2)
    assert asked == [FIRST, f"{FIRST} When did they meet?"]
    assert "3 March 2025" in posted_in(fake, thread)[1].payload["content"]

    # the same words in the channel itself start afresh: the thread's context stays in the thread
    await fake.say(guild, reader, f"{mention} When did they meet?")
    await fake.wait_for(lambda: posted_in(fake, guild.channel_id))
    assert asked[-1] == "When did they meet?"


async def test_a_thread_started_from_an_answer_follows_up_that_answers_question(
    fake: FakeDiscord, start_bot, newsroom, asked
):
    guild = halden(fake, newsroom)
    harness = await start_bot()
    answer_id = await ask_answer_id(harness, guild, FIRST)
    reader = fake.user("reader")
    thread = await fake.add_thread(guild, reader, from_message=answer_id)

    await fake.say(guild, reader, f"<@{fake.bot.id}> what will the fog horn do?", channel_id=thread)
    (reply,) = await fake.wait_for(lambda: posted_in(fake, thread))
    assert asked == [FIRST, f"{FIRST} what will the fog horn do?"]
    assert "thirty seconds" in reply.payload["content"]


async def test_a_reply_to_an_answer_still_follows_up_after_the_bot_restarts(
    fake: FakeDiscord, start_bot, newsroom, asked
):
    guild = halden(fake, newsroom)
    first_run = await start_bot()
    answer_id = await ask_answer_id(first_run, guild, FIRST)
    await first_run.bot.close()

    await start_bot()  # a new process would start the same way: same data directory, empty caches
    follow_up = await fake.say(
        guild, fake.user("reader"), "When did they meet?", reply_to=answer_id, mention_bot=False
    )
    (reply,) = await fake.wait_for(lambda: posted_in(fake, guild.channel_id))
    assert str(reply.payload["message_reference"]["message_id"]) == str(follow_up)
    assert asked == [FIRST, f"{FIRST} When did they meet?"]
    assert "3 March 2025" in reply.payload["content"]


async def test_mentioning_the_bots_managed_role_counts_as_a_mention(
    fake: FakeDiscord, start_bot, newsroom, asked
):
    guild = halden(fake, newsroom, roles=("Readers",))
    await start_bot()
    reader = fake.user("reader")
    readers = fake.role_id(guild, "Readers")

    ignored = await fake.say(
        guild, reader, f"<@&{readers}> lunch?", mention_bot=False, mention_roles=(readers,)
    )
    await fake.say(
        guild,
        reader,
        f"<@&{guild.bot_role_id}> {FIRST}",
        mention_bot=False,
        mention_roles=(guild.bot_role_id,),
    )
    (reply,) = await fake.wait_for(lambda: posted_in(fake, guild.channel_id))
    assert asked == [FIRST], "the role mention is stripped from the question; another role is no mention"
    assert "Ilse Varga" in reply.payload["content"]
    assert reply.payload["allowed_mentions"] == {"parse": []}
    assert str(reply.payload["message_reference"]["message_id"]) != str(ignored)


async def test_a_mention_leaning_on_the_members_last_question_follows_it_up_without_a_reply(
    fake: FakeDiscord, start_bot, newsroom, asked
):
    guild = halden(fake, newsroom)
    await start_bot()
    reader, other = fake.user("reader"), fake.user("other")
    mention = f"<@{fake.bot.id}>"

    await fake.say(guild, reader, f"{mention} {FIRST}")
    await fake.wait_for(lambda: len(posted_in(fake, guild.channel_id)) == 1)
    await fake.say(guild, reader, f"{mention} When did they meet?")
    await fake.wait_for(lambda: len(posted_in(fake, guild.channel_id)) == 2)
    assert asked == [FIRST, f"{FIRST} When did they meet?"]
    follow_up = posted_in(fake, guild.channel_id)[1].payload["content"]
    assert "3 March 2025" in follow_up
    assert f"Taken as a follow-up to “{FIRST}”" in follow_up  # says how it read the question

    # another member's question is their own, and so is one that names its subject
    await fake.say(guild, other, f"{mention} When did they meet?")
    await fake.wait_for(lambda: len(posted_in(fake, guild.channel_id)) == 3)
    await fake.say(guild, reader, f"{mention} What did the Harbour council approve?")
    await fake.wait_for(lambda: len(posted_in(fake, guild.channel_id)) == 4)
    assert asked[2:] == ["When did they meet?", "What did the Harbour council approve?"]
    assert "follow-up" not in posted_in(fake, guild.channel_id)[3].payload["content"]


async def test_ask_follows_up_the_members_last_question_in_the_channel(
    fake: FakeDiscord, start_bot, newsroom, asked
):
    guild = halden(fake, newsroom)
    harness = await start_bot()
    reader = fake.user("reader")
    await harness.command("ask", {"question": FIRST}, guild=guild, user=reader)
    requests = await harness.command("ask", {"question": "what will it do?"}, guild=guild, user=reader)
    assert asked == [FIRST, f"{FIRST} what will it do?"]
    (followup,) = [r for r in requests if r.method == "POST" and "/webhooks/" in r.path]
    assert f"Taken as a follow-up to “{FIRST}”" in followup.payload["content"]


async def test_a_private_question_is_never_continued_in_public(fake: FakeDiscord, start_bot, newsroom, asked):
    guild = halden(fake, newsroom)
    harness = await start_bot()
    reader = fake.user("reader")
    await harness.command("ask", {"question": FIRST, "private": True}, guild=guild, user=reader)
    requests = await harness.command("ask", {"question": "When did they meet?"}, guild=guild, user=reader)
    assert asked == [FIRST, "When did they meet?"]
    assert FIRST not in " ".join(str(r.payload) for r in requests)
