"""Articles written straight into a store, chunked and embedded the way ingest does it."""

from __future__ import annotations

from typing import Any

from ingest.chunking import chunk_article
from retrieval.embedder import Embedder
from retrieval.models import Article
from retrieval.store import ChromaStore


def write(
    store: ChromaStore, embedder: Embedder, *articles: Article, namespace: str = "ns", **chunking: Any
) -> None:
    """Store ``articles`` in ``namespace``; ``chunking`` passes chunk sizes to ``chunk_article``."""
    for art in articles:
        chunks = chunk_article(art, **chunking)
        store.write_article(namespace, art, chunks, embedder.embed([c.text for c in chunks]))
