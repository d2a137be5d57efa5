"""Sentence spans with character offsets, tuned for news prose (no model, no download)."""

from __future__ import annotations

import re
from collections.abc import Iterator

# Words that end in a period without ending a sentence ("N. Korean", "Sept. 13", "Mr. Kim").
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st gen col lt sgt capt cmdr adm gov sen rep rev hon pres
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
    inc corp co ltd llc dept univ no nos vs etc approx est fig al ft mt ave blvd rd
    u.s u.k u.n e.u a.m p.m d.c""".split()
)
# A sentence ends at . ! ? (or an ellipsis) plus closing quotes/brackets, followed by space
# and something that can start a sentence; a line break always ends one (news puts headlines,
# captions and paragraphs on lines of their own).
_BOUNDARY = re.compile(r"""(?:[.!?…]+["'”’)\]]*)(?=\s+["'“‘(\[]?[A-Z0-9])|\n+""")


def asserts(sentence: str, title: str, min_words: int) -> bool:
    """Whether a sentence can be quoted as saying something: ``min_words`` words or more, not its
    article's headline repeated, and not a question (an article's own question asserts nothing,
    and quoting it back answers nothing)."""
    text = " ".join(sentence.split())
    return (
        len(text.split()) >= min_words
        and text != " ".join(title.split())
        and not text.rstrip("\"'”’)]").endswith("?")
    )


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` offsets of the sentences of ``text[start:end]``, whitespace trimmed."""
    stop = len(text) if end is None else end
    cursor = start
    for match in _BOUNDARY.finditer(text, start, stop):
        if match.group().startswith((".",)) and _is_abbreviation(text, match.start()):
            continue
        span = _trim(text, cursor, match.end())
        if span:
            yield span
        cursor = match.end()
    span = _trim(text, cursor, stop)
    if span:
        yield span


def _is_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"([A-Za-z][A-Za-z.]*)$", text[max(0, dot - 12) : dot])
    if not word:
        return False
    token = word.group(1).lower().rstrip(".")
    # A single capital ("N. Korean", "George W. Bush") is an initial, not a sentence end.
    return token in _ABBREVIATIONS or (len(token) == 1 and word.group(1)[-1].isupper())


def _trim(text: str, lo: int, hi: int) -> tuple[int, int] | None:
    while lo < hi and text[lo].isspace():
        lo += 1
    while hi > lo and text[hi - 1].isspace():
        hi -= 1
    return (lo, hi) if hi > lo else None
