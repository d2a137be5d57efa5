"""The offline answerer: the retrieved sentences that best answer the question, each cited.

A sentence answers when it says what the question asks about (its content words, weighted by
rarity, with the article's headline as context) *and* adds the kind of thing the question asks for
(a person for "who", a place for "where" or "which country", a number for "how many", a date for
"when") that the question does not already name, close to the words it matched.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from retrieval.answer_types import AnswerType, answer_type, candidates_of
from retrieval.citations import cite, marked
from retrieval.models import Answer, RetrievedChunk
from retrieval.sentences import asserts, sentence_spans
from retrieval.terms import IRREGULAR, STOP, WORD, stem, terms
from retrieval.tokens import count_tokens

# The answer when the namespace holds no article at all (the front ends add how to add some).
NOTHING_INGESTED = "No articles have been ingested here yet."

# Photo captions and credits share a question's words without answering it.
_CAPTION = re.compile(
    r"\((?:L|R|C|left|right|center|centre)\)|\bphoto(?:graph)?\b:|\bAP Photo\b|/Getty\b|\bFile\b:"
)
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’)\]]*\s*$")
_WH_START = re.compile(r"(?:who|whom|whose|what|which|when|where|why|how)\b", re.I)
_AUX = "is|are|was|were|do|does|did|will|would|can|could|has|have|had|should|shall|may|might|must"
# "what is the capital of X" -> "what the capital of X is" (a copula after a bare wh-word).
_WH_COPULA = re.compile(r"(who|what)\s+(is|are|was|were)\s+(.+)", re.I)
# "who is leading the race": the wh-word is the subject, the question reads the same indirectly.
_WH_SUBJECT = re.compile(r"(?:who|what)\s+(?:is|are|was|were)\s+\w+ing\b", re.I)
# An auxiliary early on ("when did ...", "which country did ... visit") has no indirect form
# without re-inflecting the verb: such a question is quoted instead.
_AUX_START = re.compile(rf"(?:{_AUX})\b", re.I)
_INVERTED = re.compile(rf"\S+(?:\s+\S+){{0,2}}?\s+(?:{_AUX})\b", re.I)


@dataclass(frozen=True, slots=True)
class _Candidate:
    chunk: RetrievedChunk
    rank: int
    lo: int
    hi: int
    score: float
    coverage: float
    own: bool = True  # the sentence itself says one of the question's words (not only its headline)


@dataclass(frozen=True, slots=True)
class _Question:
    terms: frozenset[str]
    idf_total: float
    kind: AnswerType


class ExtractiveAnswerer:
    """Chooses one to three sentences from the top retrieved chunks and cites each.

    Args:
        read_tokens: How much text, in tiktoken tokens, to take sentences from: the best chunks
            in order until they hold this many, so about the same amount is read whatever the
            store's chunk size (two full 512-token chunks, four of 256, more when they are short).
        max_sentences: Most sentences in an answer.
        min_coverage: Share of the question's content words (idf-weighted) the best sentence
            must contain; below it the answerer abstains.
        keep_ratio: A further sentence is added only when its score is at least this share of
            the best sentence's.
        rank_weight: Weight of the chunk's retrieval rank (which carries relevance and recency)
            in a sentence's score.
        fragment_penalty: Subtracted from lines without a sentence end (headings, link teasers).
        type_weight: Weight of offering the kind of answer asked for, near the matched words.
    """

    def __init__(
        self,
        read_tokens: int = 900,
        max_sentences: int = 3,
        min_coverage: float = 0.15,
        keep_ratio: float = 0.6,
        rank_weight: float = 0.15,
        fragment_penalty: float = 0.1,
        type_weight: float = 1.0,
    ) -> None:
        self.read_tokens = read_tokens
        self.max_sentences = max_sentences
        self.min_coverage = min_coverage
        self.keep_ratio = keep_ratio
        self.rank_weight = rank_weight
        self.type_weight = type_weight
        self.fragment_penalty = fragment_penalty

    def to_read(self, retrieved: Sequence[RetrievedChunk]) -> list[RetrievedChunk]:
        """The best chunks, in order, until they hold :attr:`read_tokens` tokens of text."""
        chosen: list[RetrievedChunk] = []
        used = 0
        for chunk in retrieved:
            if used >= self.read_tokens:
                break
            chosen.append(chunk)
            used += count_tokens(chunk.text)
        return chosen

    def answer(
        self, question: str, retrieved: Sequence[RetrievedChunk], as_of: datetime | None = None
    ) -> Answer:
        """Answer ``question`` from ``retrieved`` (best first), or abstain honestly."""
        if not retrieved:
            return Answer(question, NOTHING_INGESTED, "empty")
        candidates = self.rank_sentences(question, self.to_read(retrieved))
        if not candidates or candidates[0].coverage < self.min_coverage:
            return abstention(question, retrieved)
        best = candidates[0]
        chosen = [best]
        for cand in candidates[1:]:
            if len(chosen) >= self.max_sentences or cand.score < self.keep_ratio * best.score:
                break
            if (
                cand.own  # a further sentence must answer in its own words, not through its headline
                and cand.coverage >= self.min_coverage
                and all(_overlap(cand, c) < 0.5 for c in chosen)
            ):
                chosen.append(cand)
        citations = [cite(n, cand.chunk, cand.lo, cand.hi) for n, cand in enumerate(chosen, start=1)]
        text = " ".join(marked(c) for c in citations)
        return Answer(question, text, "extractive", tuple(citations), tuple(retrieved))

    def rank_sentences(self, question: str, chunks: Sequence[RetrievedChunk]) -> list[_Candidate]:
        """Every sentence of ``chunks`` scored as an answer to ``question``, best first."""
        q_words = set(terms(question))
        if not q_words:
            return []
        spans = [
            (rank, chunk, lo, hi)
            for rank, chunk in enumerate(chunks)
            for lo, hi in sentence_spans(chunk.text)
        ]
        matches = [_matches(chunk.text[lo:hi]) for _, chunk, lo, hi in spans]
        n = len(spans) or 1
        idf = {t: math.log(1 + n / (1 + sum(t in m for m in matches))) for t in q_words}
        q = _Question(frozenset(q_words), sum(idf.values()), answer_type(question))
        titles = {chunk.chunk_id: set(terms(chunk.title)) for chunk in chunks}
        out = []
        for (rank, chunk, lo, hi), found in zip(spans, matches, strict=True):
            text = chunk.text[lo:hi]
            words = len(text.split())
            if not asserts(text, chunk.title, min_words=5):
                continue
            got = 0.0
            own = any(t in found for t in q.terms)
            for t in q.terms:
                weight = found.get(t, 0.0)
                if weight < 0.5 and t in titles[chunk.chunk_id]:
                    weight = 0.5  # said by the headline: context for every sentence of the article
                got += idf[t] * weight
            coverage = got / q.idf_total
            score = coverage + self.rank_weight / (1 + rank) + self.type_weight * _type_score(q, text)
            if words > 60:
                score -= 0.1
            if _CAPTION.search(text):
                score -= 0.2
            if not _ENDS_SENTENCE.search(text):
                score -= self.fragment_penalty  # headings, link teasers, list lines
            out.append(_Candidate(chunk, rank, lo, hi, score, coverage, own))
        out.sort(key=lambda c: c.score, reverse=True)
        return out


def _matches(text: str) -> dict[str, float]:
    """Stems of a sentence's content words with how well each stands for the question's word.

    A noun made from a verb ("a meeting") says less about the event asked for ("who did X meet")
    than the verb itself ("X has met"), so ``-ing`` forms count less.
    """
    found: dict[str, float] = {}
    for word in WORD.findall(text):
        if word.lower() in STOP or len(word) < 2:
            continue
        s = stem(word)
        weight = 0.6 if word.lower().endswith("ing") and not s.endswith("ing") else 1.0
        found[s] = max(found.get(s, 0.0), weight)
    return found


def _type_score(q: _Question, text: str) -> float:
    """Bonus for a sentence that adds what the question asks for, near the words it matched."""
    if q.kind is AnswerType.NONE:
        return 0.0
    found = [c for c in candidates_of(q.kind, text) if not set(terms(c.text)) <= q.terms]
    if not found:
        return 0.0
    positions = [m.start() for m in WORD.finditer(text) if stem(m.group()) in q.terms]
    if not positions:
        return 0.2
    near = min(abs(c.start - p) for c in found for p in positions)
    return 0.2 + (0.15 if near <= 40 else 0.05 if near <= 100 else 0.0)


def _overlap(a: _Candidate, b: _Candidate) -> float:
    if a.chunk.article_id != b.chunk.article_id:
        return 0.0
    lo = max(a.chunk.start + a.lo, b.chunk.start + b.lo)
    hi = min(a.chunk.start + a.hi, b.chunk.start + b.hi)
    return max(0, hi - lo) / max(1, min(a.hi - a.lo, b.hi - b.lo))


def abstention(question: str, retrieved: Sequence[RetrievedChunk], subject: str | None = None) -> Answer:
    """The honest answer when the articles do not say; its ``nearest`` articles are shown instead,
    numbered like sources so that "summarize [1]" can follow.
    ``subject``: what a request about a story as a whole asked for ("the ferry dispute")."""
    if subject:
        gap = f"report on {subject}"
    else:
        gap = "say " + _indirect(" ".join(question.split()).rstrip("?.! "), question.rstrip().endswith("?"))
    return Answer(question, f"The ingested articles don't {gap}.", "abstain", (), tuple(retrieved))


def _indirect(asked: str, marked: bool = False) -> str:
    """``asked`` as the object of "don't say", or the question itself in quotes.

    "Which ship sank" and "what the capital of X is" read as indirect questions; "when did X
    meet Y" would need its verb re-inflected ("when X met Y"), so it is quoted instead. A quoted
    question keeps its question mark (``marked``: the asker wrote one; or it opens like one); a
    claim ("the ferry is being scrapped!") is quoted without its closing punctuation.
    """
    lowered = asked[:1].lower() + asked[1:]
    copula = _WH_COPULA.fullmatch(lowered)
    if copula:
        words = copula[3].split()
        if _WH_SUBJECT.match(lowered) or _participle(words[0]):  # "who was elected mayor"
            return lowered
        if not _participle(words[-1]):  # not "where was the summit held"
            return f"{copula[1]} {copula[3]} {copula[2]}"
    elif _WH_START.match(asked) and not _INVERTED.match(asked):
        return lowered
    if not (marked or _WH_START.match(asked) or _AUX_START.match(asked)):  # a claim, not a question
        return f"this (“{asked}”)"
    return f"this (“{asked}?”)"


def _participle(word: str) -> bool:
    """Whether ``word`` looks like a past participle ("held", "announced"): a passive question."""
    w = word.lower()
    return w.endswith("ed") or w in IRREGULAR
