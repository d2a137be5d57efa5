"""Re-cutting a store's articles with the current chunk settings (`newsdesk rechunk`)."""

from __future__ import annotations

import re

from bot.newsroom import Newsroom
from ingest.parsing import make_article
from retrieval.models import Article
from retrieval.store import INCOMPLETE

# Sentences of about 30 tokens, so that an 8-token overlap carries none and chunks leave gaps.
LONG = (
    "The harbour board said on {day} that the new tide gauges at the northern quay would cost "
    "240,000 crowns and be read every ten minutes by the pilots on duty there."
)


def _long_story(n: int = 8) -> Article:
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Monday"]
    body = " ".join(LONG.format(day=days[i % len(days)]) for i in range(n))
    return make_article("Harbour board approves tide gauges", body, url="https://gazette.example/tide")


def _short_story() -> Article:
    body = " ".join(f"Ferry {i} sailed at dawn." for i in range(60))
    return make_article("Night ferry timetable", body, url="https://gazette.example/ferry")


def _chunks(room: Newsroom, article_id: str) -> list[tuple[str, str, dict]]:
    found = [c for c in room.store.iter_chunks("default") if c[2]["article_id"] == article_id]
    return sorted(found, key=lambda c: c[2]["index"])


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_rechunk_recuts_articles_and_keeps_their_text_and_metadata(newsroom: Newsroom) -> None:
    story = _long_story()
    newsroom.ingestor.max_tokens, newsroom.ingestor.overlap_tokens = 40, 8
    newsroom.ingestor.ingest_items([("a", story), ("b", _short_story())], added_by="discord:42")
    before = _chunks(newsroom, story.id)
    assert len(before) == 8  # one sentence a chunk, none carried over: whitespace between them is lost

    newsroom.ingestor.max_tokens = 512
    report = newsroom.ingestor.rechunk("default")

    assert report.articles_updated == 2 and not report.errors
    after = _chunks(newsroom, story.id)
    assert len(after) == 1
    text, meta = after[0][1], after[0][2]
    assert _ws(text) == _ws(story.body)  # the same words; the spaces between chunks came back as newlines
    assert meta["title"] == story.title and meta["url"] == story.url and meta["n_chunks"] == 1
    # re-cutting is no new addition: when and by whom it was added stay
    assert meta["ingested_at"] == before[0][2]["ingested_at"] and meta["added_by"] == "discord:42"
    assert not {cid for cid, _, _ in before} & {cid for cid, _, _ in after}
    assert newsroom.store.stored_hashes("default", [story.id])[story.id] != INCOMPLETE
    answer = newsroom.ask_sync("How much will the tide gauges cost?")
    assert "240,000 crowns" in answer.text
    assert all(c.quote in story.body for c in answer.citations)  # quotes stay verbatim spans


def test_an_article_recut_into_fewer_chunks_under_the_same_hash_leaves_none_behind(
    newsroom: Newsroom,
) -> None:
    story = _short_story()  # short sentences: consecutive chunks overlap, the body rebuilds exactly
    newsroom.ingestor.max_tokens, newsroom.ingestor.overlap_tokens = 48, 8
    newsroom.ingestor.ingest_items([("a", story)])
    before = _chunks(newsroom, story.id)
    assert len(before) > 4
    rebuilt, broken = newsroom.store.stored_articles("default")
    assert rebuilt == [story] and broken == []

    newsroom.ingestor.max_tokens = 160
    newsroom.ingestor.rechunk("default")
    after = _chunks(newsroom, story.id)
    assert 1 < len(after) < len(before)
    assert [m["index"] for _, _, m in after] == list(range(len(after)))
    assert {m["n_chunks"] for _, _, m in after} == {len(after)}
    assert all(story.body[m["start"] : m["end"]] == text for _, text, m in after)

    again = newsroom.ingestor.rechunk("default")  # a second run changes nothing
    assert again.articles_updated == 1
    assert [c[0] for c in _chunks(newsroom, story.id)] == [c[0] for c in after]


def with_a_broken_article(newsroom: Newsroom) -> tuple[Article, Article]:
    """Two articles cut into 40-token chunks, the first of them then missing its fourth chunk."""
    story, other = _long_story(), _short_story()
    newsroom.ingestor.max_tokens, newsroom.ingestor.overlap_tokens = 40, 8
    newsroom.ingestor.ingest_items([("a", story), ("b", other)])
    col = newsroom.store.collection("default")
    assert col is not None
    col.delete(ids=[_chunks(newsroom, story.id)[3][0]])
    return story, other


def test_an_article_missing_chunks_is_reported_and_left_alone(newsroom: Newsroom) -> None:
    story, other = with_a_broken_article(newsroom)
    left = {cid for cid, _, _ in _chunks(newsroom, story.id)}

    newsroom.ingestor.max_tokens = 512
    report = newsroom.ingestor.rechunk("default")

    assert report.articles_updated == 1
    assert [e["error"] for e in report.errors] == ["chunks missing; ingest it again from its source"]
    assert story.id in report.errors[0]["source"]
    assert {cid for cid, _, _ in _chunks(newsroom, story.id)} == left
    assert len(_chunks(newsroom, other.id)) == 1
