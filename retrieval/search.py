"""Find the chunks that answer a question: dense and lexical rankings, fused, news-aware."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from retrieval.embedder import Embedder
from retrieval.lexical import LexicalIndex
from retrieval.models import RetrievedChunk
from retrieval.store import ArticleSummary, ChromaStore
from retrieval.terms import terms
from retrieval.timeframe import Window, published_bounds

log = logging.getLogger(__name__)


class Retriever:
    """Hybrid retrieval over a namespace's chunks.

    Dense (Chroma, MiniLM) and lexical (BM25 over headline and text) rankings are merged by a
    weighted sum of their min-max normalised scores (on the RealTime QA dev set this beat
    reciprocal rank fusion, which let the weaker dense ranking pull the lexical one down).
    News is about recent events, so articles published in the ``recent_days`` before the moment
    of asking get a boost, and articles published after it are never returned. Further chunks of
    an article already chosen are discounted, and capped, so that one article does not crowd
    the others out of the top ``k``; a chunk that repeats one already chosen from another article
    (a syndicated or re-published copy) goes behind every chunk that does not.

    Args:
        store: The Chroma store.
        embedder: Embeds the question with the model the chunks were embedded with.
        lexical: The BM25 index derived from the store (built on first use when omitted).
        pool: Candidates taken from each ranking before fusion.
        dense_weight: Weight of the dense ranking in the fusion (lexical weighs 1).
        recent_days: How far before the moment of asking an article counts as recent.
        recency_boost: Relative score boost of a recent article.
        same_article_discount: Factor applied to a chunk's score for each chunk of its article
            already chosen.
        max_per_article: Most chunks of one article in the results.
        duplicate_overlap: Share of content words (Jaccard) above which a chunk counts as a copy
            of one already chosen; 1.0 turns the check off.
    """

    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        lexical: LexicalIndex | None = None,
        *,
        pool: int = 50,
        dense_weight: float = 0.3,
        recent_days: float = 14.0,
        recency_boost: float = 1.0,
        same_article_discount: float = 0.8,
        max_per_article: int = 3,
        duplicate_overlap: float = 0.6,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self.lexical = lexical or LexicalIndex(store)
        self.pool = pool
        self.dense_weight = dense_weight
        self.recent_days = recent_days
        self.recency_boost = recency_boost
        self.same_article_discount = same_article_discount
        self.max_per_article = max_per_article
        self.duplicate_overlap = duplicate_overlap

    def find_article(self, namespace: str, key: str) -> ArticleSummary | None:
        """The namespace's article with this id or URL, if stored."""
        return self._store.find_article(namespace, key)

    def search(
        self,
        question: str,
        namespace: str,
        k: int = 10,
        as_of: datetime | None = None,
        window: Window | None = None,
        source: str | None = None,
        article: str | None = None,
    ) -> list[RetrievedChunk]:
        """The ``k`` best chunks for ``question``, best first.

        Args:
            question: The question.
            namespace: Whose chunks.
            k: How many chunks to return.
            as_of: The moment of asking (now when ``None``): later articles are not returned and
                articles of the days before it rank a little higher.
            window: Only articles published in this period (see :mod:`retrieval.timeframe`).
            source: Only articles from this outlet (see :mod:`retrieval.outlets`).
            article: Only chunks of the article with this id (then as many as ``k`` of them:
                the per-article cap that keeps one story from crowding out others is lifted).
        """
        moment = as_of or datetime.now(UTC)
        min_ts, max_ts = published_bounds(moment, window)
        pool = max(self.pool, k)
        vector = self._embedder.embed([question])[0]
        self.lexical.snapshot(namespace)  # one check of the store for both rankings
        dense = self.lexical.nearest(
            vector, namespace, pool, max_ts=max_ts, min_ts=min_ts, source=source, fresh=False, article=article
        )
        if dense is None:
            clauses: list[dict[str, Any]] = [{"published_ts": {"$lte": max_ts}}]
            if min_ts is not None:
                clauses.append({"published_ts": {"$gte": min_ts}})
            if source is not None:
                clauses.append({"source": source})
            if article is not None:
                clauses.append({"article_id": article})
            where = clauses[0] if len(clauses) == 1 else {"$and": clauses}
            dense = self._store.query(namespace, vector, pool, where=where)
        lexical = self.lexical.search(
            question,
            namespace,
            pool,
            max_ts=max_ts,
            min_ts=min_ts,
            source=source,
            fresh=False,
            article=article,
        )
        fused: dict[str, float] = {}
        chunks: dict[str, RetrievedChunk] = {}
        for weight, ranking in ((self.dense_weight, dense), (1.0, lexical)):
            if not ranking:
                continue
            top, low = ranking[0].score, ranking[-1].score
            for chunk in ranking:
                norm = (chunk.score - low) / (top - low) if top > low else 1.0
                fused[chunk.chunk_id] = fused.get(chunk.chunk_id, 0.0) + weight * norm
                chunks.setdefault(chunk.chunk_id, chunk)
        recent_from = moment - timedelta(days=self.recent_days)
        for cid, chunk in chunks.items():
            published = chunk.published_at
            if published is not None and recent_from <= published <= moment:
                fused[cid] *= 1.0 + self.recency_boost
        if article is not None:  # one story asked about: its best passages, no diversity to keep
            best = sorted(fused, key=lambda c: fused[c], reverse=True)[:k]
            return [replace(chunks[c], score=fused[c]) for c in best]
        return self._diverse(fused, chunks, k)

    def _diverse(
        self, fused: dict[str, float], chunks: dict[str, RetrievedChunk], k: int
    ) -> list[RetrievedChunk]:
        remaining = sorted(fused, key=lambda c: fused[c], reverse=True)
        taken: dict[str, int] = {}
        words: dict[str, frozenset[str]] = {}
        out: list[RetrievedChunk] = []
        copies: list[RetrievedChunk] = []
        while remaining and len(out) < k:
            best_i, best_score = 0, -1.0
            for i, cid in enumerate(remaining):
                if fused[cid] <= best_score:
                    break  # sorted: nothing further can beat the best discounted score
                seen = taken.get(chunks[cid].article_id, 0)
                if seen >= self.max_per_article:
                    continue
                score = fused[cid] * self.same_article_discount**seen
                if score > best_score:
                    best_i, best_score = i, score
            if best_score < 0:
                break  # only chunks of articles already at their limit are left
            cid = remaining.pop(best_i)
            chunk = replace(chunks[cid], score=best_score)
            if self._copies_one_of(chunk, out, words):
                copies.append(chunk)
                continue
            taken[chunk.article_id] = taken.get(chunk.article_id, 0) + 1
            out.append(chunk)
        return out + copies[: k - len(out)]

    def _copies_one_of(
        self, chunk: RetrievedChunk, chosen: list[RetrievedChunk], words: dict[str, frozenset[str]]
    ) -> bool:
        """Whether ``chunk`` says nearly word for word what a chosen chunk of another article says."""
        if self.duplicate_overlap >= 1.0:
            return False
        mine = _words(chunk, words)
        for other in chosen:
            if other.article_id == chunk.article_id:
                continue
            theirs = _words(other, words)
            union = len(mine | theirs)
            if union and len(mine & theirs) / union > self.duplicate_overlap:
                return True
        return False


def _words(chunk: RetrievedChunk, cache: dict[str, frozenset[str]]) -> frozenset[str]:
    found = cache.get(chunk.chunk_id)
    if found is None:
        found = cache[chunk.chunk_id] = frozenset(terms(chunk.text))
    return found
