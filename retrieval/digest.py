""" "What's new?": a request for the latest news, answered with the newest articles' opening lines.

Searching for the words of "what happened this week?" finds whatever mentions a week; the asker
wants the newest stories. A question made only of such words (and a period) is answered with the
opening sentence of each of the newest articles, newest first, each quoted and cited like any
other answer. A question that names anything else ("what's new with the ferry?") is searched as
usual. Likewise "summarize" asked of one article is answered with its lede and the sentences
after it, not by a search for the word "summarize".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from retrieval.citations import cite, marked
from retrieval.models import Answer, Citation, RetrievedChunk
from retrieval.sentences import asserts, sentence_spans
from retrieval.terms import STOP, terms
from retrieval.timeframe import Window, time_window

# How many articles a digest lists.
DIGEST_SIZE = 5
# Words that ask for news rather than about something; one of them must be there.
_CUES = frozenset(
    "new news latest headline headlines happened happening happen going updates update stories".split()
)
# Words that ask an outlet named in the question for its latest news.
_REPORTING = frozenset(
    "report reported reports reporting say said says write wrote writes publish published".split()
)
# Words that may stand beside them without making the question about something in particular.
_FILLER = (
    STOP
    | _CUES
    | frozenset(
        """today yesterday tonight recently lately currently now week weeks month months hours past
        top big main major biggest important interesting breaking else anything something tell give
        show me please hey hi whats so far around world story""".split()
    )
)
# Words that ask for the gist of what is in front of the asker ("summarize", "what is it about?").
_SUMMARY_CUES = frozenset(
    "summarize summarise summary summarized tldr tl dr gist recap overview about points brief briefly".split()
)
_SUMMARY_FILLER = _FILLER | _SUMMARY_CUES | frozenset("article piece story text key main short quick".split())
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# A summary is the article's lede and the sentences that follow it ("lead-3", the standard
# extractive summary of a news story).
SUMMARY_SENTENCES = 3
_WEEK = re.compile(r"\b(?:this|last|past) week\b", re.IGNORECASE)


def _words(question: str) -> list[str]:
    return [w.split("'", 1)[0] for w in _WORD.findall(question.lower())]


def asks_for_news(question: str, outlet: frozenset[str] = frozenset()) -> bool:
    """Whether ``question`` asks for the latest news in general ("what's new?", "any news
    today?", "what happened this week?") rather than about something. ``outlet`` holds the words
    of an outlet the question names as its source ("what's new from the Gazette?")."""
    words = _words(question)
    cues = _CUES | _REPORTING if outlet else _CUES  # "what did the Gazette report?"
    return (
        bool(words)
        and any(w in cues for w in words)
        and all(w in _FILLER or w in cues or w in outlet or w.isdigit() for w in words)
    )


def asks_for_summary(question: str, outlet: frozenset[str] = frozenset()) -> bool:
    """Whether ``question`` asks for the gist ("summarize", "tl;dr", "what is this article
    about?", "key points") rather than about something in particular."""
    words = _words(question)
    return (
        bool(words)
        and any(w in _SUMMARY_CUES for w in words)
        and all(w in _SUMMARY_FILLER or w in outlet or w.isdigit() for w in words)
    )


def summary(question: str, opening: RetrievedChunk) -> Answer:
    """An article in short: its lede and the sentences after it, from its first chunk, cited."""
    lede = lead_span(opening)
    spans = [s for s in sentence_spans(opening.text) if lede is not None and s[0] >= lede[0]]
    spans = [s for s in spans if len(opening.text[s[0] : s[1]].split()) >= 6][:SUMMARY_SENTENCES]
    citations = tuple(cite(n, opening, lo, hi) for n, (lo, hi) in enumerate(spans, start=1))
    if not citations:
        return Answer(question, f"“{opening.title}” has no sentence to summarize it by.", "empty")
    text = " ".join(marked(c) for c in citations)
    return Answer(question, text, "extractive", citations, (opening,))


def news_window(question: str, as_of: datetime) -> Window | None:
    """The period a request for news names: today, yesterday, this or last week (taken as the
    past 7 days), this month, the past 3 days…; ``None`` for the newest whatever their date."""
    if _WEEK.search(question):
        return Window(as_of - timedelta(days=7), as_of, "in the past 7 days")
    return time_window(question, as_of)


def lead_span(chunk: RetrievedChunk, looked_at: int = 5) -> tuple[int, int] | None:
    """The article's lede in its first chunk: of its first sentences that say something (six
    words or more, not the headline repeated, not a question), the one that shares the most words
    with the headline, so an editor's note or a byline above the story is passed over."""
    headline = set(terms(chunk.title))
    candidates = []
    for lo, hi in sentence_spans(chunk.text):
        text = chunk.text[lo:hi]
        if asserts(text, chunk.title, min_words=6):
            candidates.append((len(headline & set(terms(text))), -lo, lo, hi))
            if len(candidates) == looked_at:
                break
    if not candidates:
        return None
    _, _, lo, hi = max(candidates)
    return lo, hi


def digest(
    question: str,
    firsts: Sequence[RetrievedChunk],
    window: Window | None,
    described: str = "",
    added: bool = False,
    latest: RetrievedChunk | None = None,
) -> Answer:
    """The newest articles' opening sentences, cited, from their first chunks (newest first).

    ``described`` names further limits the asker set ("from Harbour Gazette"); ``added`` says
    the articles are the ones ingested last (a library without dates); ``latest`` is the newest
    article outside the period, named when the period holds none.
    """
    where = " ".join(p for p in (described, f"published {window.phrase}" if window else "") if p)
    citations: list[Citation] = []
    seen: set[str] = set()
    for chunk in firsts:
        title = " ".join(chunk.title.split()).casefold()
        span = lead_span(chunk)
        if span is None or title in seen:  # the same story from another outlet
            continue
        seen.add(title)
        citations.append(cite(len(citations) + 1, chunk, *span))
        if len(citations) == DIGEST_SIZE:
            break
    if not citations:
        text = f"No articles {where or 'with a date'} are stored here."
        if latest is not None and latest.published_at is not None:
            title = " ".join(latest.title.split())
            text = f"{text[:-1]}; the newest is “{title}”, {latest.published_at:%Y-%m-%d}."
        return Answer(question, text, "empty")
    newest = "The articles added most recently" if added else "The newest articles"
    heading = f"{newest} {where}:" if where else f"{newest} here:"
    lines = "".join(f"\n• {marked(c)}" for c in citations)
    return Answer(question, heading + lines, "extractive", tuple(citations), tuple(firsts))
