"""Find the chunks that answer a question."""

from __future__ import annotations

import logging
from datetime import datetime

from retrieval.embedder import Embedder
from retrieval.models import RetrievedChunk
from retrieval.store import ChromaStore

log = logging.getLogger(__name__)


class Retriever:
    """Dense retrieval over a namespace's chunks.

    Args:
        store: The Chroma store.
        embedder: Embeds the question with the model the chunks were embedded with.
    """

    def __init__(self, store: ChromaStore, embedder: Embedder) -> None:
        self._store = store
        self._embedder = embedder

    def search(
        self, question: str, namespace: str, k: int = 10, as_of: datetime | None = None
    ) -> list[RetrievedChunk]:
        """The ``k`` best chunks for ``question``, best first.

        ``as_of`` is the moment of asking: articles published after it are not returned.
        """
        vector = self._embedder.embed([question])[0]
        where = {"published_ts": {"$lte": int(as_of.timestamp())}} if as_of else None
        return self._store.query(namespace, vector, k, where=where)
