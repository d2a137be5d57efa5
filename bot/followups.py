"""Follow-up questions: "when did he meet them?" after "who did Lavrov meet?".

Discord marks a follow-up by replying to an answer (or asking in its thread); a terminal chat has
no replies, so there a question counts as one when it leans on the one before it. A follow-up that
names one of the answer's sources ("summarize [2]", "what does source 1 say about the cost?") is
asked of that article alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.digest import asks_for_news
from retrieval.errors import NewsdeskError
from retrieval.models import Answer
from retrieval.terms import STOP

# A follow-up's retrieval query carries at most this much of the conversation before it.
MAX_CONTEXT_CHARS = 300

# Personal pronouns point outside the question; possessives ("which airline grounded its
# planes?") mostly point inside it, so they do not count.
_BACK_REFERENCES = frozenset("he him she they them it".split())
_CONTINUATION = re.compile(r"(?:and|but|so|also|what about|how about|and what about)\b", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# "[2]", "source 2", "source #2": one of the answer's numbered sources. Not "article 5", which
# names a treaty's article as often as the answer's.
_SOURCE = re.compile(
    r"\[(\d{1,2})\]|\b(?:source|citation|quote)\s*(?:#|no\.?|number)?\s*(\d{1,2})\b", re.IGNORECASE
)
# Words that ask about a source without asking anything in particular ("tell me more about [2]").
_ABOUT_IT = STOP | frozenset(
    """tell more else summarize summarise summary detail details explain expand elaborate open read
    show go talk cover covers covered gist tldr tl dr please""".split()
)


# "help", "what can you do?", "hi": a member asking about the bot, not about the news.
_HELP = re.compile(
    r"""^\W*(?:help|commands|usage|hi|hello|hey
        |what\s+(?:can|do)\s+you\s+do|who\s+are\s+you|what\s+are\s+you
        |how\s+(?:do|does|can)\s+(?:i|we|you|this|it)\s+(?:use|work)(?:\s+(?:you|this|it))?
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)


def asks_for_help(text: str) -> bool:
    """Whether ``text`` asks about the bot itself ("help", "what can you do?", "hi")."""
    return bool(_HELP.match(" ".join(text.split())))


# A request for the timeline, or each outlet's coverage, of whatever the answer before was about.
_IT = r"(?:it|this|that|them|the\s+story|this\s+story)"
_TIMELINE_OF_IT = re.compile(
    rf"""^\W*(?:and\s+)?(?:what'?s\s+|what\s+is\s+|show\s+me\s+|give\s+me\s+)?(?:the\s+|a\s+)?
        (?:timeline|chronology)(?:\s+(?:of|for|on)\s+{_IT})?\W*$""",
    re.IGNORECASE | re.VERBOSE,
)
_COVERAGE_OF_IT = re.compile(
    rf"""^\W*(?:and\s+)?(?:
        how\s+did\s+(?:the\s+|other\s+|different\s+)?(?:outlets?|media|press|papers?|newspapers?)\s+
            (?:cover|report\s+on|report)\s+{_IT}
      | (?:the\s+)?(?:media\s+|press\s+)?coverage(?:\s+(?:of|on)\s+{_IT})?
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)


class NoSuchSource(NewsdeskError):
    """A follow-up names a source number the answer before it does not have."""


@dataclass(frozen=True, slots=True)
class Asked:
    """What an answer answered: the query it searched for, and the article each of its citations
    names, by number (``sources[0]`` is [1]); for an abstention, its nearest articles."""

    query: str
    sources: tuple[str, ...] = ()

    @classmethod
    def of(cls, turn: Turn, answer: Answer) -> Asked:
        """What to remember of ``answer`` to ``turn``. Asked of one article, the article's title
        goes in front of the query, so "when was it?" after "summarize [2]" searches that story."""
        sources = tuple(c.article_id for c in answer.citations or answer.nearest)
        query = turn.story or turn.query
        titles = [c.title for c in answer.citations if c.article_id == turn.article]
        if turn.article and titles:
            query = " ".join(titles[0].split()) + (f" {query}" if _asks_anything(query) else "")
        return cls(query, sources)


@dataclass(frozen=True, slots=True)
class Turn:
    """What to ask for a question in a conversation: ``query``, of ``article`` alone when the
    question names one of the previous answer's sources (number ``source``), and the question
    it continues."""

    query: str
    article: str | None = None
    continues: str | None = None
    source: int = 0
    story: str | None = None  # "timeline?" of the answer before: the question it was about

    def taken_as(self, shown: str) -> str:
        """How the question was taken, with ``shown`` for the question it continues: "Asked of
        source [2] of the answer to “…”" or "Taken as a follow-up to “…”"."""
        if self.article:
            return f"Asked of source [{self.source}] of the answer to “{shown}”"
        return f"Taken as a follow-up to “{shown}”"


def source_named(question: str) -> tuple[int, str] | None:
    """The source number a question names ("summarize [2]") and the question without it; ``None``
    when it names none, or more than one."""
    found = {int(a or b) for a, b in _SOURCE.findall(question)}
    if len(found) != 1:
        return None
    rest = " ".join(_SOURCE.sub(" ", question).split())
    rest = re.sub(r"\s+([?.!,])", r"\1", rest).strip(" ,")
    return found.pop(), rest


def _asks_anything(question: str) -> bool:
    """Whether ``question`` names anything beyond asking about a source ("what's in it?" does not)."""
    return any(re.split("['’]", w.lower())[0] not in _ABOUT_IT for w in _WORD.findall(question))


def next_turn(question: str, previous: Asked | None, replied: bool = False) -> Turn:
    """How to ask ``question`` after the answer to ``previous`` (``None`` when there is none).

    ``replied``: the asker replied to that answer (or asked in its thread), which makes any
    question a follow-up; otherwise only one that leans on it (:func:`refers_back`) is.

    Raises:
        NoSuchSource: The question names a source number the previous answer does not have, or
            asks only about a source ("summarize [2]") with no answer before it.
    """
    named = source_named(question)
    if previous is None:
        if named is not None and not _asks_anything(named[1]):  # "summarize [2]" of nothing
            raise NoSuchSource(
                f"there is no answer before this one to take source [{named[0]}] from: ask about a "
                "source right after the answer that lists it (in Discord, reply to it)"
            )
        return Turn(question)
    if named is not None:
        n, rest = named
        if not 1 <= n <= len(previous.sources):
            count = len(previous.sources)
            has = "none" if not count else f"[1] to [{count}]" if count > 1 else "only [1]"
            raise NoSuchSource(f"the answer before has no source [{n}]; it has {has}")
        query = rest if _asks_anything(rest) else "summarize"
        return Turn(query, previous.sources[n - 1], previous.query, n)
    if story := _story_of_it(question):  # "timeline?", "how did the outlets cover it?"
        subject = previous.query.rstrip("?.! ")
        return Turn(story.format(subject), None, previous.query, story=previous.query)
    if replied or refers_back(question):
        return Turn(follow_up_query(previous.query, question), None, previous.query)
    return Turn(question)


def _story_of_it(question: str) -> str | None:
    """For a request about the story of the answer before ("timeline?", "and the coverage?",
    "how did the outlets cover it?"), the request to make of that story, ``{}`` for its subject."""
    text = " ".join(question.split())
    if _TIMELINE_OF_IT.match(text):
        return "timeline of {}"
    if _COVERAGE_OF_IT.match(text):
        return "how did the outlets cover {}"
    return None


def follow_up_query(previous: str, follow_up: str) -> str:
    """The retrieval query for a follow-up: the previous question, then the follow-up.

    "when did he meet them?" after "who did Lavrov meet?" searches for both, so the pronouns land
    on the same articles. The carried context is capped so long chains do not grow without end.
    """
    context = " ".join(previous.split())
    if len(context) > MAX_CONTEXT_CHARS:
        context = context[-MAX_CONTEXT_CHARS:]
        context = context.split(" ", 1)[1] if " " in context else context
    return f"{context} {' '.join(follow_up.split())}".strip()


def refers_back(question: str) -> bool:
    """Whether ``question`` leans on the one before it.

    It does when it names one of the answer's sources ("summarize [2]"), starts like a
    continuation ("and when?", "what about the cost?"), is only a word or two ("why?"), or uses a
    personal pronoun ("when did he meet them?", "what happened there?") without naming anyone or
    anything itself ("What did Kim say about it?" is a question of its own). A request for the
    news ("what's new?") never does.
    """
    text = question.strip()
    if source_named(text) is not None:  # "what does [2] say about it?"
        return True
    words = _WORD.findall(text)
    if not words:
        return False
    if _CONTINUATION.match(text):
        return True
    named = any(w[0].isupper() and w != "I" for w in words[1:])
    lowered = [w.lower() for w in words]
    if any(w in _BACK_REFERENCES for w in lowered) or lowered[-1] == "there":
        return not named
    # "what's new?" is short, but asks afresh
    return len(words) <= 2 and not asks_for_news(text)
