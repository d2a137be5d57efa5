"""``newsdesk chat``: questions one after another, a follow-up continuing the one before it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import cli
from bot.followups import refers_back

ARTICLES = Path(__file__).parent / "articles"


@pytest.fixture
def chat(newsroom, settings, monkeypatch, capsys):
    monkeypatch.setattr(cli.Newsroom, "from_settings", classmethod(lambda cls, s: newsroom))
    newsroom.ingest_sync([str(ARTICLES)], "default")
    asked: list[str] = []
    real_ask = newsroom.ask_sync

    def recording_ask(question, namespace="default", k=None, as_of=None, limits=None):
        asked.append(question)
        return real_ask(question, namespace, k, as_of, limits)

    monkeypatch.setattr(newsroom, "ask_sync", recording_ask)

    def _chat(*lines: str, argv: tuple[str, ...] = ()) -> tuple[str, list[str]]:
        feed: Iterator[str] = iter(lines)

        def fake_input(prompt: str = "") -> str:
            try:
                return next(feed)
            except StopIteration:
                raise EOFError from None

        monkeypatch.setattr("builtins.input", fake_input)
        assert cli.main(["chat", *argv], settings=settings) == 0
        return capsys.readouterr().out, asked

    return _chat


def test_a_follow_up_searches_with_the_question_before_it(chat):
    out, asked = chat("Who did Admiral Vance meet?", "when did they meet?")
    assert asked == ["Who did Admiral Vance meet?", "Who did Admiral Vance meet? when did they meet?"]
    second = out.split("(following on from “Who did Admiral Vance meet?”)", 1)[1]
    assert "Admiral Vance meets the Lighthouse Guild" in second  # cited under the follow-up


def test_a_question_naming_its_own_subject_starts_afresh(chat):
    out, asked = chat("Who did Admiral Vance meet?", "When did the bakery strike in Wrenfield end?")
    assert asked == ["Who did Admiral Vance meet?", "When did the bakery strike in Wrenfield end?"]
    assert "following on" not in out


def test_a_chain_of_follow_ups_keeps_its_context_bounded(chat):
    _, asked = chat("Who did Admiral Vance meet?", "why?", *["and then?"] * 40)
    assert asked[1] == "Who did Admiral Vance meet? why?"
    assert all(len(q) <= 300 + len(" and then?") for q in asked)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("when did he meet them?", True),
        ("How much will it cost?", True),
        ("what about the tide gauges?", True),
        ("And the ferry?", True),
        ("why?", True),
        ("Who did Lavrov meet?", False),
        ("What did Kim say about it?", False),
        ("Which airline grounded its planes?", False),
        ("What happened there?", True),
        ("Is there a new ferry timetable?", False),
        ("How many boats sank in the storm?", False),
        ("", False),
    ],
)
def test_refers_back(question: str, expected: bool) -> None:
    assert refers_back(question) is expected


def test_chat_limits_apply_to_every_question(chat):
    out, _ = chat("Who did Admiral Vance meet?", "What was approved?", argv=("--outlet", "wrenfield post"))
    assert "Lighthouse Guild" not in out and "floating library" not in out  # only the Post's
    assert out.count("Bakery strike in Wrenfield ends after nine days") == 2
