"""Cut article bodies into sentence-aligned, token-sized chunks that know their offsets."""

from __future__ import annotations

from itertools import pairwise

from retrieval.models import Article, Chunk
from retrieval.sentences import sentence_spans
from retrieval.tokens import encoding

DEFAULT_MAX_TOKENS = 512
DEFAULT_OVERLAP_TOKENS = 32


def chunk_article(
    article: Article,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap_tokens: int = DEFAULT_OVERLAP_TOKENS,
) -> list[Chunk]:
    """Chunk an article's body.

    Args:
        article: The article; chunk offsets index into ``article.body``.
        max_tokens: Most tiktoken (cl100k) tokens per chunk.
        overlap_tokens: Trailing sentences of a chunk, up to this many tokens, start the next one.

    Returns:
        Chunks in order, each with ``article.body[c.start:c.end] == c.text``.
    """
    body = article.body
    pieces = _pieces(body, max(8, max_tokens // 2))
    chunks: list[tuple[int, int]] = []
    current: list[tuple[int, int, int]] = []  # (start, end, tokens)
    used = 0
    for piece in pieces:
        tokens = piece[2]
        if current and used + tokens > max_tokens:
            chunks.append((current[0][0], current[-1][1]))
            carry: list[tuple[int, int, int]] = []
            carried = 0
            for prev in reversed(current[1:]):
                if carried + prev[2] > overlap_tokens:
                    break
                carry.insert(0, prev)
                carried += prev[2]
            current, used = carry, carried
        current.append(piece)
        used += tokens
    if current:
        chunks.append((current[0][0], current[-1][1]))
    prefix = f"{article.id}-{article.content_hash[:8]}"
    return [
        Chunk(id=f"{prefix}-{i:04d}", article_id=article.id, index=i, text=body[s:e], start=s, end=e)
        for i, (s, e) in enumerate(chunks)
    ]


def _pieces(body: str, limit: int) -> list[tuple[int, int, int]]:
    """Sentences of ``body`` as (start, end, tokens); sentences over ``limit`` tokens are cut."""
    enc = encoding()
    out: list[tuple[int, int, int]] = []
    for start, end in sentence_spans(body):
        tokens = enc.encode_ordinary(body[start:end])
        if len(tokens) <= limit:
            out.append((start, end, len(tokens)))
            continue
        _, offsets = enc.decode_with_offsets(tokens)
        cuts = [offsets[i] for i in range(limit, len(tokens), limit)]
        bounds = [0, *sorted(set(c for c in cuts if 0 < c < end - start)), end - start]
        for lo, hi in pairwise(bounds):
            if hi > lo:
                out.append((start + lo, start + hi, limit))
    return out
