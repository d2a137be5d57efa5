from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_article
from ingest.parsing import make_article
from retrieval.tokens import count_tokens

_PIECES = [*"abc XYZ.!?\n\u00a0é“”'0123456789-", "Mr. ", "U.S. ", "\n\n", "  ", "word "]
_TEXT = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=800).map("".join).filter(str.strip)


@settings(max_examples=60, deadline=None)
@given(body=_TEXT, max_tokens=st.integers(16, 300), overlap=st.integers(0, 64))
def test_chunk_offsets_always_slice_the_body(body, max_tokens, overlap):
    article = make_article("T", body)
    chunks = chunk_article(article, max_tokens=max_tokens, overlap_tokens=overlap)
    assert chunks
    for chunk in chunks:
        assert article.body[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip()
    # Every non-space character of the body is in some chunk.
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    assert all(i in covered for i, ch in enumerate(article.body) if not ch.isspace())


def test_chunks_respect_the_token_budget_and_align_to_sentences():
    body = " ".join(f"Sentence number {i} tells a short story about the harbour." for i in range(200))
    chunks = chunk_article(make_article("T", body), max_tokens=120, overlap_tokens=20)
    assert len(chunks) > 5
    for chunk in chunks:
        assert count_tokens(chunk.text) <= 120
        assert chunk.text.startswith("Sentence") and chunk.text.endswith(".")
    # Consecutive chunks overlap by at least one sentence.
    assert all(b.start < a.end for a, b in pairwise(chunks))


def test_one_enormous_line_is_cut_into_bounded_chunks():
    chunks = chunk_article(make_article("T", "x" * 50_000), max_tokens=256)
    assert max(count_tokens(c.text) for c in chunks) <= 256
    assert "".join(c.text for c in chunks) == "x" * 50_000


def test_chunk_ids_are_deterministic_and_change_with_content():
    a = chunk_article(make_article("T", "One sentence here. Another one."))
    b = chunk_article(make_article("T", "One sentence here. Another one."))
    c = chunk_article(make_article("T", "One sentence here. Another two."))
    assert [x.id for x in a] == [x.id for x in b]
    assert {x.id for x in a}.isdisjoint(x.id for x in c)
