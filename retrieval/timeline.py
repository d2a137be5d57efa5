""" "Timeline of the ferry dispute": a story's articles in the order they were published.

A question like "how has the ferry dispute unfolded?" asks for no single fact: it asks what
happened first and what came after. It is answered with one cited sentence from each article
that is about the subject, oldest first, each dated, so a reader can follow a running story
across the library.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from retrieval.citations import cite, marked
from retrieval.digest import lead_span
from retrieval.extractive import ExtractiveAnswerer, abstention
from retrieval.models import Answer, Citation, RetrievedChunk
from retrieval.terms import terms

# How many articles a timeline lists at most.
TIMELINE_SIZE = 8
# Share of the subject's words (weighted by rarity; the headline counts half) a sentence must say.
MIN_COVERAGE = 0.5
# Words of the request itself, not of its subject.
_REQUEST = frozenset("what show give tell make get need want see".split())
_ASKS = re.compile(
    r"""^\W*(?:
        (?:(?:give|show|tell|make)\s+(?:me\s+|us\s+)?)?(?:an?\s+|the\s+)?
            (?:timeline|chronology)\s+(?:of|for|on|about)\s+(?P<a>.+)
      | (?P<b>.+?)\s*[:,\-–—]?\s+(?:timeline|chronology)
      | how\s+(?:has|have|did)\s+(?P<c>.+?)\s+
            (?:developed|develop|unfolded|unfold|evolved|evolve|progressed|progress)
            (?:\s+(?:so\s+far|over\s+time))?
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)


def timeline_subject(question: str) -> str | None:
    """What a request for a timeline is about ("the ferry dispute" for "timeline of the ferry
    dispute", "ferry dispute timeline" or "how has the ferry dispute unfolded?"); ``None`` for
    any other question."""
    match = _ASKS.match(" ".join(question.split()))
    if match is None:
        return None
    subject = next(g for g in match.group("a", "b", "c") if g).strip(" ?.!")
    # "what's the timeline?", "show me the timeline" name no subject
    return subject if set(terms(subject)) - _REQUEST else None


def timeline(
    question: str,
    subject: str,
    retrieved: Sequence[RetrievedChunk],
    opening: Callable[[str], RetrievedChunk | None] = lambda _: None,
) -> Answer:
    """One sentence about ``subject`` from each article in ``retrieved`` (best first), dated
    and cited, oldest first; undated articles come last. ``opening`` gives an article's first
    chunk by its id.

    An article is about the subject when one of its sentences says most of it (see
    :data:`MIN_COVERAGE`; the headline counts half). It is listed by its lede, what its news was,
    when the lede says that much of the subject too, else by its sentence that says the most.
    Only articles whose headline names part of the subject are listed, so a story that mentions
    it in passing is left out, unless no headline names it at all. A sentence already listed
    (boilerplate an outlet repeats under every story) is not listed again.
    """
    reader = ExtractiveAnswerer()
    wanted = set(terms(subject))
    about: list[tuple[RetrievedChunk, int, int]] = []
    passing: list[tuple[RetrievedChunk, int, int]] = []
    seen: set[str] = set()
    said: set[str] = set()
    for chunk in retrieved:
        if chunk.article_id in seen:
            continue
        best = _best(reader, subject, chunk)
        if best is None:
            continue
        found = _lede(reader, subject, opening(chunk.article_id)) or best
        where, lo, hi = found
        sentence = " ".join(where.text[lo:hi].split()).casefold()
        if sentence in said:
            continue
        seen.add(chunk.article_id)
        said.add(sentence)
        (about if wanted & set(terms(chunk.title)) else passing).append(found)
    picked = (about or passing)[:TIMELINE_SIZE]
    if not picked:
        return abstention(question, retrieved)
    picked.sort(key=lambda p: (p[0].published_at is None, p[0].published_at or 0, p[0].title))
    citations: list[Citation] = [cite(n, chunk, lo, hi) for n, (chunk, lo, hi) in enumerate(picked, start=1)]
    lines = "".join(
        f"\n• {c.published_at:%Y-%m-%d}: {marked(c)}" if c.published_at else f"\n• undated: {marked(c)}"
        for c in citations
    )
    heading = f"{subject[0].upper()}{subject[1:]}, oldest first:"
    return Answer(question, heading + lines, "extractive", tuple(citations), tuple(retrieved))


def _lede(
    reader: ExtractiveAnswerer, subject: str, first: RetrievedChunk | None
) -> tuple[RetrievedChunk, int, int] | None:
    """The article's lede, when it says most of ``subject``."""
    span = lead_span(first) if first is not None else None
    if first is None or span is None:
        return None
    for cand in reader.rank_sentences(subject, [first]):
        if (cand.lo, cand.hi) == span:
            return (first, *span) if cand.coverage >= MIN_COVERAGE else None
    return None


def _best(
    reader: ExtractiveAnswerer, subject: str, chunk: RetrievedChunk
) -> tuple[RetrievedChunk, int, int] | None:
    """The chunk's sentence that says most of ``subject``, when it says enough."""
    best = next(iter(reader.rank_sentences(subject, [chunk])), None)
    if best is None or best.coverage < MIN_COVERAGE:
        return None
    return chunk, best.lo, best.hi
