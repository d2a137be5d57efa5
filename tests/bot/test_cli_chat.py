"""``newsdesk chat``: questions one after another, a follow-up continuing the one before it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import cli
from bot.cli import line_editing
from bot.followups import Asked, NoSuchSource, Turn, asks_for_help, next_turn, refers_back, source_named
from retrieval.models import Answer

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
    second = out.split("(Taken as a follow-up to “Who did Admiral Vance meet?”)", 1)[1]
    assert "Admiral Vance meets the Lighthouse Guild" in second  # cited under the follow-up


def test_a_question_naming_its_own_subject_starts_afresh(chat):
    out, asked = chat("Who did Admiral Vance meet?", "When did the bakery strike in Wrenfield end?")
    assert asked == ["Who did Admiral Vance meet?", "When did the bakery strike in Wrenfield end?"]
    assert "follow-up" not in out


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
        ("summarize [2]", True),
        ("what does source 1 say about the cost?", True),
        ("what's new?", False),
        ("Any news today?", False),
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


def test_a_source_named_after_an_answer_is_asked_alone(chat, newsroom):
    out, asked = chat("what's new?", "summarize [2]", "when did it end?", "more on source 7")
    digest, summary = out.split("\n(Asked of source [2] of the answer to “what's new?”)\n", 1)
    second = digest.split("\n[2] ", 1)[1].split(" — ", 1)[0]  # the title of the digest's source [2]
    assert asked[1] == "summarize"
    assert summary.split("\n\nSources:\n[1] ", 1)[1].startswith(second)
    assert "[3]" in summary.split("\n\n", 1)[0]  # its lede and the sentences after it, cited
    # a follow-up to the summary searches that story
    assert asked[2] == f"{second} when did it end?"
    assert "\nerror: the answer before has no source [7]; it has " in out
    assert len(asked) == 3


def test_one_of_an_abstentions_nearest_articles_can_be_summarized_by_its_number(chat):
    out, asked = chat("Who won the world cup?", "summarize [2]")
    abstention, summary = out.split("\n(Asked of source [2] of the answer to “Who won the world cup?”)\n", 1)
    assert "The ingested articles don't say who won the world cup." in abstention
    second = abstention.split("\nNearest articles:\n", 1)[1].split("\n[2] ", 1)[1].split(" — ", 1)[0]
    assert asked == ["Who won the world cup?", "summarize"]
    assert summary.split("\n\nSources:\n[1] ", 1)[1].startswith(second)


def test_a_source_number_with_nothing_before_it_says_there_is_no_answer_to_take_it_from(chat):
    out, asked = chat("summarize [2]", "Which guild did Vance meet, according to the minutes [1]?")
    assert "error: there is no answer before this one to take source [2] from" in out
    # a question of its own that happens to hold a marker is asked as it is
    assert asked == ["Which guild did Vance meet, according to the minutes [1]?"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("summarize [2]", (2, "summarize")),
        ("what does [1] say about the cost?", (1, "what does say about the cost?")),
        ("Tell me more about source #3.", (3, "Tell me more about.")),
        ("quote 2, please", (2, "please")),
        ("what do [1] and [2] agree on?", None),  # two sources: an ordinary question
        ("What does Article 5 of the treaty say?", None),
        ("what happened in source 2024 data?", None),
        ("who won?", None),
    ],
)
def test_source_named(question, expected):
    assert source_named(question) == expected


def test_a_turn_names_the_cited_article_and_what_to_ask_of_it():
    before = Asked("who did Vance meet?", ("guild", "guild", "ferry"))
    assert next_turn("summarize [3]", before) == Turn("summarize", "ferry", "who did Vance meet?", 3)
    assert next_turn("tell me more about [1]", before).query == "summarize"
    assert next_turn("What’s in [1]?", before).query == "summarize"
    assert (
        next_turn("what does [2] say about the fog horn?", before).query
        == "what does say about the fog horn?"
    )
    assert next_turn("when?", before) == Turn("who did Vance meet? when?", None, "who did Vance meet?")
    assert next_turn("Who won the vote?", before) == Turn("Who won the vote?")
    assert next_turn("Who won the vote?", before, replied=True).continues == "who did Vance meet?"
    assert (
        next_turn("what did the minutes [3] say about fog?", None).query
        == "what did the minutes [3] say about fog?"
    )
    with pytest.raises(NoSuchSource, match="no answer before this one"):
        next_turn("summarize [3]", None)
    with pytest.raises(NoSuchSource, match=r"no source \[4\]; it has \[1\] to \[3\]"):
        next_turn("summarize [4]", before)
    with pytest.raises(NoSuchSource, match=r"no source \[1\]; it has none"):
        next_turn("summarize [1]", Asked("who won?"))


@pytest.mark.parametrize("text", ["help", "Hi!", "what can you do?", "How do I use this?", " HELP "])
def test_asking_for_help_is_recognised(text):
    assert asks_for_help(text)


@pytest.mark.parametrize("text", ["help for flood victims", "who helped the islanders?", "hi-vis vests", ""])
def test_a_question_with_the_word_help_in_it_is_a_question(text):
    assert not asks_for_help(text)


def test_help_in_chat_lists_what_to_try_and_asks_nothing(chat):
    out, asked = chat("help", "Who did Admiral Vance meet?")
    assert "summarize [2]" in out and "timeline of" in out and "outlets cover" in out
    assert asked == ["Who did Admiral Vance meet?"]  # help was not searched, nor continued
    assert "follow-up" not in out


@pytest.mark.parametrize(
    ("question", "query"),
    [
        ("timeline?", "timeline of who did Vance meet"),
        ("And the timeline of it?", "timeline of who did Vance meet"),
        ("what's the chronology?", "timeline of who did Vance meet"),
        ("how did the outlets cover it?", "how did the outlets cover who did Vance meet"),
        ("and the media coverage?", "how did the outlets cover who did Vance meet"),
    ],
)
def test_a_story_request_about_the_answer_before_takes_its_question(question, query):
    before = Asked("who did Vance meet?", ("guild",))
    turn = next_turn(question, before)
    assert turn == Turn(query, None, "who did Vance meet?", story="who did Vance meet?")
    # what comes after continues the question, not the request
    assert Asked.of(turn, Answer(question, "", "empty")).query == "who did Vance meet?"


def test_timeline_then_coverage_follow_the_first_question_in_chat(chat):
    out, asked = chat("Who did Admiral Vance meet?", "timeline?", "how did the outlets cover it?")
    assert asked[1:] == [
        "timeline of Who did Admiral Vance meet",
        "how did the outlets cover Who did Admiral Vance meet",
    ]
    assert "Articles on “who did Admiral Vance meet?”, oldest first:" in out


def test_chat_history_is_kept_for_the_arrow_keys_from_one_chat_to_the_next(tmp_path):
    readline = pytest.importorskip("readline")
    history = tmp_path / "data" / "chat_history"
    readline.clear_history()
    with line_editing(history):
        readline.add_history("who did Admiral Vance meet?")
    assert "who did Admiral Vance meet?" in history.read_text()
    readline.clear_history()
    with line_editing(history):
        assert (
            readline.get_history_item(readline.get_current_history_length()) == "who did Admiral Vance meet?"
        )
    unwritable = tmp_path / "file"
    unwritable.write_text("")
    with line_editing(unwritable / "chat_history"):  # a history that cannot be kept is no error
        readline.add_history("and then?")
    readline.clear_history()


def test_chat_at_a_terminal_keeps_its_history_in_the_data_directory(chat, settings, monkeypatch):
    opened: list = []
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr(cli, "line_editing", lambda path: opened.append(path) or contextlib.nullcontext())
    chat("Who did Admiral Vance meet?")
    assert opened == [settings.data_dir / "chat_history"]
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)  # piped: no line editing, no history
    chat("Who did Admiral Vance meet?")
    assert len(opened) == 1
