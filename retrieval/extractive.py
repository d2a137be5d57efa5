"""The offline answerer: the retrieved sentences that best answer the question, each cited."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.citations import cite
from retrieval.models import Answer, Citation, RetrievedChunk
from retrieval.sentences import sentence_spans

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
_STOP = frozenset(
    """a an the and or but of in on at to for from by with about as into over after before under
    is are was were be been being am do does did done has have had having will would shall should
    can could may might must it its this that these those there here than then so such not no
    what which who whom whose when where why how i you he she we they them his her their our your
    me him us my mine yours last first week year month day days new news said says say according
    also just more most very any all some one two per s""".split()
)
# Irregular forms a suffix-stripper cannot join ("who did Lavrov meet" / "Lavrov has met").
_IRREGULAR = {
    "met": "meet", "won": "win", "wins": "win", "winning": "win", "won't": "win", "lost": "lose",
    "losing": "lose", "ran": "run", "running": "run", "left": "leave", "leaving": "leave",
    "took": "take", "taken": "take", "gave": "give", "given": "give", "made": "make",
    "went": "go", "gone": "go", "chose": "choose", "chosen": "choose", "sold": "sell",
    "bought": "buy", "held": "hold", "struck": "strike", "hit": "hit", "died": "die",
    "elected": "elect", "named": "name", "fell": "fall", "fallen": "fall", "rose": "rise",
    "risen": "rise", "became": "become", "began": "begin", "begun": "begin", "killed": "kill",
    "sank": "sink", "sunk": "sink", "flew": "fly", "flown": "fly", "found": "find", "led": "lead",
}
_WH = re.compile(r"\b(who|whom|whose|when|where|which|what|how many|how much)\b", re.I)
_NUMBER = re.compile(r"\d")
_MONTHS = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\b|\b(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b"
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:[\s-][A-Z][a-z]+)*")


def stem(word: str) -> str:
    """A light stemmer for matching question and sentence words."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    for suffix in ("ing", "ed", "es", "s"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def terms(text: str) -> list[str]:
    """Content-word stems of ``text``."""
    return [stem(w) for w in _WORD.findall(text) if w.lower() not in _STOP and len(w) > 1]


@dataclass(frozen=True, slots=True)
class _Candidate:
    chunk: RetrievedChunk
    rank: int
    lo: int
    hi: int
    score: float
    coverage: float


class ExtractiveAnswerer:
    """Chooses one to three sentences from the top retrieved chunks and cites each.

    Args:
        top_chunks: How many of the best chunks to take sentences from.
        max_sentences: Most sentences in an answer.
        min_coverage: Share of the question's content words (idf-weighted) the best sentence
            must contain; below it the answerer abstains.
    """

    def __init__(self, top_chunks: int = 5, max_sentences: int = 2, min_coverage: float = 0.3) -> None:
        self.top_chunks = top_chunks
        self.max_sentences = max_sentences
        self.min_coverage = min_coverage

    def answer(self, question: str, retrieved: Sequence[RetrievedChunk]) -> Answer:
        """Answer ``question`` from ``retrieved`` (best first), or abstain honestly."""
        if not retrieved:
            return Answer(question, "No articles have been ingested here yet.", "empty")
        candidates = self._candidates(question, retrieved[: self.top_chunks])
        if not candidates or candidates[0].coverage < self.min_coverage:
            return abstention(question, retrieved)
        best = candidates[0]
        chosen = [best]
        for cand in candidates[1:]:
            if len(chosen) >= self.max_sentences or cand.score < 0.8 * best.score:
                break
            if all(_overlap(cand, c) < 0.5 for c in chosen):
                chosen.append(cand)
        citations: list[Citation] = []
        parts: list[str] = []
        for n, cand in enumerate(chosen, start=1):
            citation = cite(n, cand.chunk, cand.lo, cand.hi)
            citations.append(citation)
            parts.append(f"{' '.join(citation.quote.split())} [{n}]")
        return Answer(question, " ".join(parts), "extractive", tuple(citations), tuple(retrieved))

    def _candidates(self, question: str, chunks: Sequence[RetrievedChunk]) -> list[_Candidate]:
        q_terms = set(terms(question))
        if not q_terms:
            return []
        spans = [
            (rank, chunk, lo, hi)
            for rank, chunk in enumerate(chunks)
            for lo, hi in sentence_spans(chunk.text)
        ]
        sentence_terms = [set(terms(chunk.text[lo:hi])) for _, chunk, lo, hi in spans]
        n = len(spans) or 1
        idf = {t: math.log(1 + n / (1 + sum(t in s for s in sentence_terms))) for t in q_terms}
        total = sum(idf.values())
        wh = _WH.search(question)
        kind = wh.group(1).lower() if wh else ""
        out = []
        for (rank, chunk, lo, hi), s_terms in zip(spans, sentence_terms, strict=True):
            text = chunk.text[lo:hi]
            words = len(text.split())
            # Too short to say anything, or the headline repeated inside the body.
            if words < 5 or " ".join(text.split()) == " ".join(chunk.title.split()):
                continue
            coverage = sum(idf[t] for t in q_terms & s_terms) / total
            score = coverage + 0.15 / (1 + rank) + 0.1 * _type_match(kind, text, q_terms)
            if words > 60:
                score -= 0.1
            out.append(_Candidate(chunk, rank, lo, hi, score, coverage))
        out.sort(key=lambda c: c.score, reverse=True)
        return out


def _type_match(kind: str, text: str, q_terms: set[str]) -> float:
    if kind in ("how many", "how much"):
        return 1.0 if _NUMBER.search(text) else 0.0
    if kind == "when":
        return 1.0 if _MONTHS.search(text) or re.search(r"\b(19|20)\d\d\b", text) else 0.0
    if kind in ("who", "whom", "whose", "which", "where", "what"):
        names = {stem(m.group()) for m in _NAME.finditer(text)}
        return 1.0 if names - q_terms else 0.0
    return 0.0


def _overlap(a: _Candidate, b: _Candidate) -> float:
    if a.chunk.article_id != b.chunk.article_id:
        return 0.0
    lo = max(a.chunk.start + a.lo, b.chunk.start + b.lo)
    hi = min(a.chunk.start + a.hi, b.chunk.start + b.hi)
    return max(0, hi - lo) / max(1, min(a.hi - a.lo, b.hi - b.lo))


def abstention(question: str, retrieved: Sequence[RetrievedChunk]) -> Answer:
    """The honest answer when the articles do not say: name the nearest articles instead."""
    seen: list[str] = []
    for chunk in retrieved:
        if chunk.title not in seen:
            seen.append(chunk.title)
        if len(seen) == 3:
            break
    nearest = "; ".join(f"“{t}”" for t in seen)
    text = "The ingested articles don't say. The nearest articles are: " + nearest + "."
    return Answer(question, text, "abstain", (), tuple(retrieved))
