from __future__ import annotations

import numpy as np

from retrieval.embedder import DENSE_WORDPIECES, MiniLMEmbedder


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


def test_a_vector_reads_the_first_dense_wordpieces_of_a_text(embedder):
    words = ["harbour"] * (DENSE_WORDPIECES - 7) + ["election"] * 5  # plus [CLS] and [SEP]
    window = " ".join(words)
    assert embedder.count_wordpieces(window) == DENSE_WORDPIECES
    past_window = window + " " + " ".join(["football"] * 100)
    changed_inside = " ".join(["harbour"] * (DENSE_WORDPIECES - 2))
    within, past, inside = embedder.embed([window, past_window, changed_inside])
    assert float(within @ past) > 0.9999  # words past the window are not read
    assert float(within @ inside) < 0.99  # words inside it are


def test_a_wider_window_can_be_asked_for():
    wide = MiniLMEmbedder(threads=1, max_wordpieces=256)
    head = " ".join(["harbour"] * 120)
    full, cut = wide.embed([head + " " + " ".join(["election"] * 100), head + " election"])
    assert wide.count_wordpieces(head + " " + " ".join(["election"] * 100)) > 200
    assert float(full @ cut) < 0.99


def test_a_passage_that_fits_one_window_is_embedded_whole(embedder):
    headline, text = "Ferry keeps its night crossing", "The council voted to keep the night ferry."
    passage = embedder.embed_passages([(headline, text)])[0]
    whole = embedder.embed([f"{headline}\n{text}"])[0]
    assert np.allclose(passage, whole, atol=1e-5)


def test_a_long_passage_is_read_past_its_first_window(embedder):
    headline = "Council meeting"
    opening = " ".join(["harbour"] * 150)
    first, second = (
        embedder.embed_passages([(headline, f"{opening} {ending}")])[0]
        for ending in (" ".join(["election"] * 150), " ".join(["football"] * 150))
    )
    assert float(first @ second) < 0.99  # the second half is read
    assert np.isclose(np.linalg.norm(first), 1.0, atol=1e-4)
    texts, owners = embedder.passage_windows([(headline, f"{opening} {' '.join(['election'] * 150)}")])
    assert owners == [0, 0]
    assert texts[0].startswith(headline + "\nharbour") and texts[1].startswith(headline + "\nelection")


def test_windows_start_at_word_starts_and_keep_passages_apart(embedder):
    text = " ".join(["unbelievably"] * 200)  # several wordpieces a word
    texts, owners = embedder.passage_windows([("A", "short"), ("B", text)], windows=3)
    assert owners == [0, 1, 1, 1]
    for window in texts[2:]:
        assert window.startswith("B\nunbelievably")
    vectors = embedder.embed_passages([("A", "short"), ("B", text)], windows=3)
    assert vectors.shape == (2, 384)


def test_the_headline_counts_against_a_windows_room(embedder):
    text = " ".join(["harbour"] * 110)  # fits a window alone, not with a long headline
    assert embedder.passage_windows([("Vote", text)])[1] == [0]
    long_headline = " ".join(["council"] * 30)
    assert embedder.passage_windows([(long_headline, text)])[1] == [0, 0]
