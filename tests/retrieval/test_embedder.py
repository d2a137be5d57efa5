from __future__ import annotations

import numpy as np


def test_vectors_are_unit_length_and_rank_related_text_first(embedder):
    vectors = embedder.embed(
        [
            "who did Lavrov meet?",
            "Lavrov has met Kim in a meeting that lasted over an hour.",
            "Rain in Paris.",
        ]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_batching_with_dynamic_padding_matches_one_at_a_time(embedder):
    texts = [
        "short",
        "a somewhat longer sentence about a harbour ferry and its night service",
        "mid length text",
    ]
    together = embedder.embed(texts)
    alone = np.stack([embedder.embed([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_long_texts_are_embedded_past_128_wordpieces(embedder):
    head = " ".join(["harbour"] * 120)
    tail = " ".join(["election"] * 100)
    assert embedder.count_wordpieces(head + " " + tail) > 200
    full, cut = embedder.embed([head + " " + tail, head])
    # With the tokenizer's shipped 128-token truncation both would embed the same text.
    assert float(full @ cut) < 0.99
