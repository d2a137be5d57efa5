"""Pieces of the Discord front end that need no client: cog loading, follow-ups, checks, the CLI."""

from __future__ import annotations

import importlib.util
import socket
import sqlite3
from contextlib import closing
from urllib.parse import urlsplit

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import cli
from bot.cogs.ask import strip_mentions
from bot.cogs.ingest import check_attachment, posted_links
from bot.conversations import Conversations
from bot.discord_app import COGS, bot_intents, cog_modules, namespace_for
from bot.followups import MAX_CONTEXT_CHARS, Asked, follow_up_query
from bot.library import matching
from bot.permissions import GuildOnly, Refusal
from bot.settings import Settings
from retrieval.store import ArticleSummary


def test_every_core_cog_loads_and_feeds_plugs_in_only_when_present(monkeypatch):
    assert cog_modules()[: len(COGS)] == COGS
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "bot.cogs.feeds" else real(name)
    )
    assert cog_modules() == COGS
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object())
    assert cog_modules() == (*COGS, "bot.cogs.feeds")


def test_no_privileged_intents_are_requested():
    intents = bot_intents()
    assert not intents.message_content and not intents.members and not intents.presences
    assert intents.guilds and intents.guild_messages and intents.dm_messages and intents.guild_reactions


def test_namespace_is_the_guild_id_and_dms_are_refused():
    assert namespace_for(123456789012345678) == "123456789012345678"
    with pytest.raises(GuildOnly):
        namespace_for(None)


def test_follow_up_query_carries_the_previous_question_with_a_cap():
    assert follow_up_query("who did Lavrov meet?", " when did he  meet them? ") == (
        "who did Lavrov meet? when did he meet them?"
    )
    long_previous = " ".join(f"word{i}" for i in range(200))
    query = follow_up_query(long_previous, "and then?")
    assert query.endswith("word199 and then?")
    assert len(query) <= MAX_CONTEXT_CHARS + len(" and then?")
    assert query.split()[0].startswith("word")  # cut at a word boundary


def test_strip_mentions_removes_only_the_bots_mentions():
    assert strip_mentions("<@42> who won? <@!42>", 42) == "who won?"
    assert strip_mentions("<@7> who won?", 42) == "<@7> who won?"
    assert strip_mentions("<@&9> who won? <@&8>", 42, role_id=9) == "who won? <@&8>"


def test_conversations_remember_the_newest_answers_only_and_survive_a_restart(tmp_path):
    memory = Conversations(tmp_path / "conversations.sqlite3", capacity=2)
    memory.remember([1, 2], Asked("q1", ("a", "b")))
    memory.remember([3], Asked("q2"))
    assert memory.asked_for(1) is None
    assert memory.asked_for(2) == Asked("q1", ("a", "b")) and memory.asked_for(3) == Asked("q2")
    assert memory.asked_for(None) is None
    again = Conversations(tmp_path / "conversations.sqlite3", capacity=2)
    assert again.asked_for(None, 1, 3, 2) == Asked("q2")
    assert again.asked_for(2) == Asked("q1", ("a", "b"))  # the cited articles, read back from disk
    again.note([4], Asked("q3"))  # noted in memory the moment an answer is sent, before the disk write
    assert again.asked_for(4) == Asked("q3") and again.asked_for(5, 2) == Asked("q1", ("a", "b"))


def test_conversations_read_a_file_written_before_sources_were_remembered(tmp_path):
    path = tmp_path / "conversations.sqlite3"
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE answered (key INTEGER PRIMARY KEY, question TEXT, at REAL NOT NULL)")
        db.execute("INSERT INTO answered VALUES (1, 'who won?', 1.0)")
    memory = Conversations(path)
    assert memory.asked_for(1) == Asked("who won?")
    memory.remember([2], Asked("and then?", ("x",)))
    assert Conversations(path).asked_for(2, 1) == Asked("and then?", ("x",))


@pytest.mark.parametrize(
    ("name", "size", "reason"),
    [("story.exe", 10, "not an article file"), ("story.txt", 30_000_000, "too large")],
)
def test_attachments_of_the_wrong_kind_or_size_are_refused(name, size, reason):
    with pytest.raises(Refusal, match=reason):
        check_attachment(name, size, 20 * 1024 * 1024)
    check_attachment("story.md", 1000, 20 * 1024 * 1024)


@pytest.mark.parametrize(
    ("content", "links"),
    [
        ("read https://news.example/a-story.", ["https://news.example/a-story"]),
        (
            "<https://news.example/a> and [the piece](https://news.example/b)",
            ["https://news.example/a", "https://news.example/b"],
        ),
        (
            "||https://news.example/spoiler|| **https://news.example/bold**",
            ["https://news.example/spoiler", "https://news.example/bold"],
        ),
        ("https://en.wikipedia.org/wiki/Foo_(bar), says", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
        ("(see https://news.example/c)", ["https://news.example/c"]),
        (
            "https://www.news.example/a/ then HTTPS://news.example/a?utm_source=x",
            ["https://www.news.example/a/"],
        ),
        ("ftp://files.example/a http:// https://. /etc/passwd file:///etc/passwd", []),
        ("https://[::1 https://news.example:99999/x", []),
    ],
)
def test_posted_links_are_the_messages_http_links_without_their_markdown(content, links):
    assert posted_links(content) == links


def test_posted_links_add_those_of_the_embeds_after_the_texts():
    embedded = ["https://wire.example/b", "https://news.example/a?utm_source=feed", "javascript:alert(1)"]
    assert posted_links("see https://news.example/a", embedded) == [
        "https://news.example/a",
        "https://wire.example/b",
    ]


def test_sources_query_matches_every_word_in_title_outlet_or_link():
    a = ArticleSummary(
        "u-1", "Tram tunnel opens", "https://gazette.example/tram", None, "Gazette", 1, "h", None
    )
    b = ArticleSummary("u-2", "Floating library", None, None, "Courier", 1, "h", None)
    assert matching([a, b], "tram GAZETTE") == [a]
    assert matching([a, b], "courier library") == [b]
    assert matching([a, b], "tram library") == []


def test_bot_command_without_a_token_exits_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    assert cli.main(["bot"], settings=settings) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == "error: DISCORD_TOKEN is not set (environment or .env)\n"


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_token_counts_as_unset(tmp_path, capsys, monkeypatch, blank):
    monkeypatch.setenv("DISCORD_TOKEN", blank)
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.discord_token is None
    assert cli.main(["bot"], settings=settings) == 2
    assert capsys.readouterr().err == "error: DISCORD_TOKEN is not set (environment or .env)\n"


def test_an_unreachable_discord_is_one_line_not_a_traceback(tmp_path, capsys, monkeypatch):
    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.abc.def")
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    assert cli.main(["bot"], settings=settings) == 1
    out, err = capsys.readouterr()
    assert err.startswith("error: cannot reach Discord: ") and err.count("\n") == 1
    assert "MTIz.abc.def" not in out + err


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("htps:/.<>|()[]*_~ \n\"'abc1-?#&=%\x00é"), max_size=200))
def test_posted_links_are_always_fetchable_http_links(text):
    for link in posted_links("https://" + text + " http://" + text):
        assert link.lower().startswith(("http://", "https://"))
        assert not any(c in link for c in " \n<>|")
        assert urlsplit(link).hostname
