"""What kind of thing a question asks for, and where a sentence offers such a thing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from retrieval.terms import STOP


class AnswerType(Enum):
    """The expected kind of answer."""

    PERSON = "person"
    PLACE = "place"
    NUMBER = "number"
    DATE = "date"
    NAME = "name"  # a named thing: a company, a film, a team, an event
    NONE = "none"


_PLACE_NOUNS = (
    r"country|countries|state|city|cities|region|nation|county|continent|island|province|capital|"
    r"town|area|location|territory|neighborhood|neighbourhood|border|sea|ocean|river|mountain|park"
)
_NUMBER_Q = re.compile(
    r"\bhow (?:many|much|old|long|far|tall|high)\b|\b(?:what|which) (?:amount|number|percentage|percent|"
    r"price|cost|age|sum|total|share|rate|score|figure)\b|\bin what amount\b",
    re.I,
)
_DATE_Q = re.compile(r"\bwhen\b|\b(?:what|which) (?:year|date|day|month)\b", re.I)
_PLACE_Q = re.compile(rf"\bwhere\b|\b(?:what|which) (?:\w+ )?(?:{_PLACE_NOUNS})\b", re.I)
_PERSON_NOUNS = (
    r"person|man|woman|player|actor|actress|singer|rapper|star|leader|president|minister|politician|"
    r"candidate|ceo|author|director|athlete|driver|coach|musician|artist|celebrity|comedian|senator|"
    r"governor|judge"
)
_PERSON_Q = re.compile(rf"\bwho(?:m|se)?\b|\b(?:what|which) (?:\w+ )?(?:{_PERSON_NOUNS})\b", re.I)
_NAME_Q = re.compile(r"\b(?:what|which) [a-z]+", re.I)

_NAME = re.compile(
    r"[A-Z][\w'’.&-]*(?:\s+(?:(?:of|de|la|del|du|van|von|al|bin|the|and|&)\s+)?[A-Z0-9][\w'’.&-]*)*"
)
_QUOTED = re.compile(r"[“\"]([^”\"]{2,60})[”\"]")
_NUMBER = re.compile(
    r"\$?\d[\d,.]*(?:\s*(?:million|billion|trillion|thousand|hundred|percent|%))?|"
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundreds?|thousands?|"
    r"millions?|billions?)\b",
    re.I,
)
_DATE = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?(?:\s+\d{1,2})?\b|"
    r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|\b(?:19|20)\d\d\b"
)
# Capitalised words that start sentences or name days and titles, not answers.
_COMMON = STOP | frozenset(
    """mr mrs ms dr the a an in on at but and or if as it he she they we i his her their its this that
    there these those after before while when where what who why how monday tuesday wednesday thursday
    friday saturday sunday today yesterday tomorrow however meanwhile still yet also read more""".split()
)


@dataclass(frozen=True, slots=True)
class Mention:
    """A candidate answer inside a sentence."""

    text: str
    start: int


def answer_type(question: str) -> AnswerType:
    """The kind of answer ``question`` asks for (``NONE`` for an open "what")."""
    if _NUMBER_Q.search(question):
        return AnswerType.NUMBER
    if _DATE_Q.search(question):
        return AnswerType.DATE
    if _PLACE_Q.search(question):
        return AnswerType.PLACE
    if _PERSON_Q.search(question):
        return AnswerType.PERSON
    if _NAME_Q.search(question):
        match = _NAME_Q.search(question)
        assert match is not None  # noqa: S101 -- searched just above
        if match.group().split()[1].lower() not in _COMMON:
            return AnswerType.NAME
    return AnswerType.NONE


def candidates_of(kind: AnswerType, text: str) -> Iterator[Mention]:
    """Mentions in ``text`` that could answer a question of ``kind``."""
    if kind is AnswerType.NUMBER:
        for m in _NUMBER.finditer(text):
            yield Mention(m.group(), m.start())
    elif kind is AnswerType.DATE:
        for m in _DATE.finditer(text):
            yield Mention(m.group(), m.start())
    elif kind is not AnswerType.NONE:
        for m in _NAME.finditer(text):
            name = m.group().rstrip(".")
            if name.lower() in _COMMON:
                continue
            yield Mention(name, m.start())
        if kind is AnswerType.NAME:
            for m in _QUOTED.finditer(text):
                yield Mention(m.group(1), m.start())
