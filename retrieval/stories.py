"""Running stories: a story's timeline, and how each outlet covered it.

"How has the ferry dispute unfolded?" asks for no single fact: it asks what happened first and
what came after. It is answered with one cited sentence from each article about the subject,
oldest first, each dated, so a reader can follow a running story across the library. "How did
the outlets cover the ferry vote?" asks how the story was told: it is answered with one cited
sentence from each outlet's best article about it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from retrieval.citations import cite, marked, outlet_and_day
from retrieval.digest import lead_span
from retrieval.extractive import ExtractiveAnswerer, abstention
from retrieval.models import Answer, Citation, RetrievedChunk
from retrieval.terms import terms

# How many articles a timeline, or outlets a coverage list, shows at most.
TIMELINE_SIZE = 8
# Share of the subject's words (weighted by rarity; the headline counts half) a sentence must say.
MIN_COVERAGE = 0.5
# A capitalised word: a name, in a subject ("the Baltimore bridge collapse").
_NAME = re.compile(r"\b[A-Z][\w'’.-]*")
_QUESTION = re.compile(
    r"(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|will|can|has|have|had)\b",
    re.IGNORECASE,
)
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


_COVERAGE = re.compile(
    r"""^\W*(?:
        how\s+(?:did|do|have|has)\s+(?:the\s+|different\s+|other\s+|each\s+|all\s+)*
            (?:outlets?|media|press|papers?|newspapers?|news\s+outlets?|sources|reporters)\s+
            (?:covered|cover|reported\s+on|report\s+on|reported|report|described|describe)\s+(?P<a>.+)
      | (?:compare\s+(?:the\s+)?)?(?:(?:media|press|news)\s+)?coverage\s+(?:of|on)\s+(?P<b>.+)
      | what\s+did\s+(?:each|every|the\s+different|different)\s+(?:outlets?|papers?|newspapers?)\s+
            (?:say|report|write)\s+(?:about|on)\s+(?P<c>.+)
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)


def timeline_subject(question: str) -> str | None:
    """What a request for a timeline is about ("the ferry dispute" for "timeline of the ferry
    dispute", "ferry dispute timeline" or "how has the ferry dispute unfolded?"); ``None`` for
    any other question."""
    return _subject(_ASKS, question)


def coverage_subject(question: str) -> str | None:
    """What a request for each outlet's coverage is about ("the ferry vote" for "how did the
    outlets cover the ferry vote?", "media coverage of the ferry vote" or "what did each outlet
    say about the ferry vote?"); ``None`` for any other question."""
    return _subject(_COVERAGE, question)


def _subject(pattern: re.Pattern[str], question: str) -> str | None:
    match = pattern.match(" ".join(question.split()))
    if match is None:
        return None
    subject = next(g for g in match.group("a", "b", "c") if g).strip(" ?.!")
    # "what's the timeline?", "show me the timeline" name no subject
    return subject if set(terms(subject)) - _REQUEST else None


Pick = tuple[RetrievedChunk, int, int]  # an article's chunk and the sentence that stands for it


def articles_about(
    subject: str,
    retrieved: Sequence[RetrievedChunk],
    opening: Callable[[str], RetrievedChunk | None] = lambda _: None,
    rarest: str | None = None,
) -> list[Pick]:
    """The articles in ``retrieved`` (best first) that are about ``subject``, best first, each
    with the sentence that stands for it. ``opening`` gives an article's first chunk by its id;
    ``rarest`` is the subject's most specific word in the library (see
    :meth:`LexicalIndex.rarest`), which an article about it must hold: "hush" of "the Trump hush
    money trial", where "Trump" and "trial" alone would also find other trials.

    An article is about the subject when one of its sentences says most of it (see
    :data:`MIN_COVERAGE`; the headline counts half) and it holds every name the subject gives
    ("Baltimore" in "the Baltimore bridge collapse": another city's bridge is another story). It
    stands by its lede, what its news was, when the lede says that much of the subject too, else
    by its sentence that says the most. Only articles whose headline names part of the subject
    are kept, so a story that mentions it in passing is left out, unless no headline names it at
    all. A sentence already picked (boilerplate an outlet repeats under every story) is not
    picked again.
    """
    reader = ExtractiveAnswerer()
    wanted = set(terms(subject))
    required = set(terms(" ".join(_NAME.findall(subject)))) | ({rarest} if rarest else set())
    about: list[Pick] = []
    passing: list[Pick] = []
    seen: set[str] = set()
    said: set[str] = set()
    for chunk in retrieved:
        if chunk.article_id in seen or not required <= set(terms(f"{chunk.title} {chunk.text}")):
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
    return about or passing


def timeline(
    question: str, subject: str, picks: Sequence[Pick], retrieved: Sequence[RetrievedChunk]
) -> Answer:
    """The first :data:`TIMELINE_SIZE` of ``picks`` (see :func:`articles_about`), oldest first,
    each dated and cited; undated articles come last."""
    chosen = sorted(
        picks[:TIMELINE_SIZE], key=lambda p: (p[0].published_at is None, p[0].published_at or 0, p[0].title)
    )
    return _listed(
        question,
        subject,
        f"{_heading(subject)}, oldest first:",
        chosen,
        retrieved,
        lambda c: f"{c.published_at:%Y-%m-%d}" if c.published_at else "undated",
    )


def coverage(
    question: str, subject: str, picks: Sequence[Pick], retrieved: Sequence[RetrievedChunk]
) -> Answer:
    """One of ``picks`` (see :func:`articles_about`) per outlet, its best article's, for at most
    :data:`TIMELINE_SIZE` outlets, best first, each named, dated and cited."""
    chosen: list[Pick] = []
    outlets: set[str] = set()
    for pick in picks:
        outlet = (pick[0].source or "").casefold()
        if outlet in outlets:
            continue
        outlets.add(outlet)
        chosen.append(pick)
        if len(chosen) == TIMELINE_SIZE:
            break
    heading = f"{_heading(subject)}, as each outlet reported it:"
    if len(chosen) == 1:
        heading = f"{_heading(subject)}, as one outlet reported it (the only one among the articles found):"
    return _listed(
        question, subject, heading, chosen, retrieved, lambda c: outlet_and_day(c) or "unknown outlet"
    )


def _listed(
    question: str,
    subject: str,
    heading: str,
    chosen: Sequence[Pick],
    retrieved: Sequence[RetrievedChunk],
    label: Callable[[Citation], str],
) -> Answer:
    if not chosen:
        return abstention(question, retrieved, subject)
    citations = [cite(n, chunk, lo, hi) for n, (chunk, lo, hi) in enumerate(chosen, start=1)]
    lines = "".join(f"\n• {label(c)}: {marked(c)}" for c in citations)
    return Answer(question, heading + lines, "extractive", tuple(citations), tuple(retrieved))


def _heading(subject: str) -> str:
    """``subject`` at the head of a list: "The ferry dispute", or "Articles on “who did Vance
    meet?”" for a question (a follow-up's "timeline?" takes the question before it)."""
    if _QUESTION.match(subject):
        return f"Articles on “{subject[:1].lower()}{subject[1:]}?”"
    return subject[:1].upper() + subject[1:]


def _lede(reader: ExtractiveAnswerer, subject: str, first: RetrievedChunk | None) -> Pick | None:
    """The article's lede, when it says most of ``subject``."""
    span = lead_span(first) if first is not None else None
    if first is None or span is None:
        return None
    for cand in reader.rank_sentences(subject, [first]):
        if (cand.lo, cand.hi) == span:
            return (first, *span) if cand.coverage >= MIN_COVERAGE else None
    return None


def _best(reader: ExtractiveAnswerer, subject: str, chunk: RetrievedChunk) -> Pick | None:
    """The chunk's sentence that says most of ``subject``, when it says enough."""
    best = next(iter(reader.rank_sentences(subject, [chunk])), None)
    if best is None or best.coverage < MIN_COVERAGE:
        return None
    return chunk, best.lo, best.hi
