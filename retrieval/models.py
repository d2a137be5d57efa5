"""The data every layer shares: articles, chunks, retrieved chunks, citations and answers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from retrieval.fragments import quote_link

AnswerMode = Literal["extractive", "llm", "abstain", "empty"]
NEAREST_ARTICLES = 3  # an abstention names this many articles instead of an answer


def content_hash(title: str, body: str) -> str:
    """A short stable digest of an article's text, used to detect changed re-ingests."""
    return hashlib.sha256(f"{title}\n\n{body}".encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Article:
    """One news article as ingested.

    Attributes:
        id: Deterministic id (from the canonical URL when there is one, else the content).
        title: Headline.
        body: Full text; citation offsets index into it.
        published_at: Publication moment (timezone-aware) when known.
        url: Canonical link when known.
        source: Outlet or origin (a host name, a file name).
        ingested_at: When it was stored (set by the store; ``None`` for an article not stored yet).
        added_by: Who or what stored it: ``discord:<user id>``, ``feed:<feed URL>``, or ``None``
            from a terminal. Set by the ingest, never read from the article's own file.
    """

    id: str
    title: str
    body: str
    published_at: datetime | None = None
    url: str | None = None
    source: str | None = None
    # where it came from, not what it says: two copies of one story are equal whoever added them
    ingested_at: datetime | None = field(default=None, compare=False)
    added_by: str | None = field(default=None, compare=False)

    @property
    def content_hash(self) -> str:
        return content_hash(self.title, self.body)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A slice of an article body: ``article.body[start:end] == text``."""

    id: str
    article_id: str
    index: int
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class RetrievedChunk:
    """A chunk found for a question, with its article's metadata and its score."""

    chunk_id: str
    article_id: str
    title: str
    text: str
    start: int
    end: int
    score: float
    url: str | None = None
    published_at: datetime | None = None
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "chunk_id": self.chunk_id,
            "article_id": self.article_id,
            "title": self.title,
            "url": self.url,
            "published_at": _iso(self.published_at),
            "source": self.source,
            "score": round(self.score, 6),
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Citation:
    """A numbered source of an answer: ``quote`` is ``body[start:end]`` of the cited article."""

    n: int
    article_id: str
    title: str
    quote: str
    start: int
    end: int
    chunk_id: str
    url: str | None = None
    published_at: datetime | None = None
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "article_id": self.article_id,
            "title": self.title,
            "url": self.url,
            "published_at": _iso(self.published_at),
            "source": self.source,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "link": self.link,
        }

    @property
    def link(self) -> str | None:
        """The article's link, opening at the quote where the browser can (a text fragment)."""
        return quote_link(self.url, self.quote)


@dataclass(frozen=True, slots=True)
class Answer:
    """What ``ask`` returns: answer text with ``[n]`` markers, its citations and what was retrieved.

    ``mode`` is ``extractive`` or ``llm`` for a cited answer, ``abstain`` when the articles do
    not say, ``empty`` when the namespace holds no articles. ``notice`` carries a short remark for
    the user (for example that the chat model failed and the extractive answer is shown).
    """

    question: str
    text: str
    mode: AnswerMode
    citations: tuple[Citation, ...] = ()
    retrieved: tuple[RetrievedChunk, ...] = ()
    notice: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def nearest(self) -> tuple[RetrievedChunk, ...]:
        """An abstention's nearest articles, numbered from [1] like sources: the best passage of
        each of the first ``NEAREST_ARTICLES`` articles retrieved. Empty for any other answer."""
        if self.mode != "abstain":
            return ()
        first: dict[str, RetrievedChunk] = {}
        for chunk in self.retrieved:
            first.setdefault(chunk.article_id, chunk)
            if len(first) == NEAREST_ARTICLES:
                break
        return tuple(first.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "mode": self.mode,
            "notice": self.notice,
            "citations": [c.to_dict() for c in self.citations],
            "nearest": [
                {k: v for k, v in r.to_dict().items() if k not in ("chunk_id", "score", "text")}
                for r in self.nearest
            ],
            "retrieved": [r.to_dict() for r in self.retrieved],
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
