"""Votes on answers: kept per member and emoji, taken back, listed the most voted down first."""

from __future__ import annotations

import json

import discord
import pytest

from bot import cli
from bot.cogs.feedback import vote_of
from bot.feedback import Feedback


@pytest.fixture
def votes(settings) -> Feedback:
    return Feedback(settings.data_dir / "feedback.sqlite3")


def test_votes_are_counted_once_per_member_and_emoji_and_can_be_taken_back(votes):
    votes.vote(10, 1, -1, 7, 70, "Who won the vote?")
    votes.vote(10, 1, -1, 7, 70, "Who won the vote?")  # the same reaction again
    votes.vote(10, 2, -1, 7, 70, "Who won the vote?")
    votes.vote(10, 2, 1, 7, 70, "Who won the vote?")
    votes.vote(11, 1, 1, 7, 70, "When does the ferry run?")
    votes.vote(12, 1, -1, 8, 80, "Elsewhere?")
    votes.unvote(10, 2, 1)
    rated = votes.rated(7)
    assert [(r.message_id, r.down, r.up) for r in rated] == [(10, 2, 0), (11, 0, 1)]
    assert rated[0].question == "Who won the vote?"
    assert rated[0].link == "https://discord.com/channels/7/70/10"
    assert [r.message_id for r in votes.rated()] == [10, 12, 11]
    assert [r.message_id for r in votes.rated(limit=1)] == [10]


def test_nothing_rated_makes_no_file(votes):
    assert votes.rated() == [] and not votes.path.exists()


@pytest.mark.parametrize(
    ("emoji", "vote"),
    [("👍", 1), ("👎", -1), ("👍🏿", 1), ("👎🏻", -1), ("🎉", None), ("👀", None)],
)
def test_a_thumb_in_any_skin_tone_is_a_vote_and_nothing_else_is(emoji, vote):
    assert vote_of(discord.PartialEmoji(name=emoji)) == vote


def test_a_custom_emoji_named_like_a_thumb_is_no_vote():
    assert vote_of(discord.PartialEmoji(name="👍", id=123)) is None


def test_feedback_lists_the_rated_answers_in_the_terminal(votes, settings, capsys):
    assert cli.main(["feedback"], settings=settings) == 0
    assert capsys.readouterr().out == "no votes yet: members react 👍 or 👎 to the bot's answers in Discord\n"
    votes.vote(10, 1, -1, 7, 70, "Who won\nthe vote?")
    votes.vote(11, 1, 1, 8, 80, "When does the ferry run?")
    assert cli.main(["feedback"], settings=settings) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("👎 1  👍 0  ") and lines[0].endswith("  Who won the vote?")
    assert lines[1] == "    https://discord.com/channels/7/70/10"
    assert lines[2].endswith("When does the ferry run?") and len(lines) == 4
    assert cli.main(["feedback", "--namespace", "8", "--json"], settings=settings) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["question"], row["up"], row["down"], row["link"]) == (
        "When does the ferry run?",
        1,
        0,
        "https://discord.com/channels/8/80/11",
    )
    assert cli.main(["feedback", "--namespace", "default"], settings=settings) == 1
    assert "not a server id" in capsys.readouterr().err
