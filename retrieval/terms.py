"""Words as both rankers see them: lower-cased content words, lightly stemmed, stop words dropped."""

from __future__ import annotations

import functools
import re

WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
STOP = frozenset(
    """a an the and or but of in on at to for from by with about as into over after before under
    is are was were be been being am do does did done has have had having will would shall should
    can could may might must it its this that these those there here than then so such not no
    what which who whom whose when where why how i you he she we they them his her their our your
    me him us my mine yours last first week year month day days new news said says say according
    also just more most very any all some one two per s""".split()
)
# Irregular forms a suffix-stripper cannot join ("who did Lavrov meet" / "Lavrov has met").
IRREGULAR = {
    "met": "meet",
    "won": "win",
    "wins": "win",
    "winning": "win",
    "lost": "lose",
    "losing": "lose",
    "ran": "run",
    "running": "run",
    "left": "leave",
    "leaving": "leave",
    "took": "take",
    "taken": "take",
    "gave": "give",
    "given": "give",
    "made": "make",
    "went": "go",
    "gone": "go",
    "chose": "choose",
    "chosen": "choose",
    "sold": "sell",
    "bought": "buy",
    "held": "hold",
    "struck": "strike",
    "hit": "hit",
    "died": "die",
    "elected": "elect",
    "named": "name",
    "fell": "fall",
    "fallen": "fall",
    "rose": "rise",
    "risen": "rise",
    "became": "become",
    "began": "begin",
    "begun": "begin",
    "killed": "kill",
    "sank": "sink",
    "sunk": "sink",
    "flew": "fly",
    "flown": "fly",
    "found": "find",
    "led": "lead",
    "told": "tell",
    "said": "say",
    "paid": "pay",
    "built": "build",
    "sent": "send",
    "spent": "spend",
    "caught": "catch",
    "brought": "bring",
    "thought": "think",
    "wrote": "write",
    "written": "write",
}


@functools.lru_cache(maxsize=1 << 17)
def stem(word: str) -> str:
    """A light stemmer for matching question and article words.

    Memoised: news text repeats its words, and stemming was most of the time it took to build
    the lexical index from the store (the first question of a process, or after another one
    ingested).
    """
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.strip("'-")
    if w in IRREGULAR:
        w = IRREGULAR[w]
    elif len(w) > 5 and w.endswith("ies"):
        w = w[:-3] + "y"
    else:
        for suffix in ("ing", "ed", "es", "s"):
            if len(w) > len(suffix) + 3 and w.endswith(suffix):
                w = w[: -len(suffix)]
                break
    # "arrive", "arrives", "arrived" and "arriving" all end up as "arriv".
    return w[:-1] if len(w) > 4 and w.endswith("e") else w


@functools.lru_cache(maxsize=1 << 18)
def _term(word: str) -> str:
    """The stem of a lower-cased ``word``, or ``""`` for a stop word or a single character."""
    return "" if len(word) < 2 or word in STOP else stem(word)


def terms(text: str) -> list[str]:
    """Content-word stems of ``text``, in order (repeats kept)."""
    # One lower() for the whole text and one cached call per word: this runs over every chunk
    # when a process builds its search index.
    return list(filter(None, map(_term, WORD.findall(text.lower()))))
