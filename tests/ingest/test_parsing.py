from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ingest.errors import ParseError
from ingest.loaders import articles_from_bytes
from ingest.parsing import iter_jsonl, parse_json, parse_markdown, parse_text


def test_seed_header_with_non_breaking_spaces_gives_title_and_date(seed_dir):
    text = next(seed_dir.glob("*.txt")).read_text(encoding="utf-8")
    article = parse_text(text)
    assert article.title == "Russian Foreign Minister Sergei Lavrov meets N. Korean leader Kim"
    assert article.published_at == datetime(2024, 5, 17, 20, 35, 5, tzinfo=UTC)
    assert article.body.startswith("North Korean leader Kim Jong-un (L) shakes hands")


@pytest.mark.parametrize(
    "header",
    [
        "Title here\u00a0\u00a0 \u00a0DATE: 2024-05-17 20:35:05",
        "Title here     DATE: 2024-05-17 20:35:05",
        "Title here\nDATE: 2024-05-17 20:35:05",
        "Title here\nDATE: 2024-05-17T20:35:05Z",
    ],
)
def test_date_may_follow_the_title_or_stand_on_its_own_line(header):
    article = parse_text(f"{header}\n\nBody sentence one. Body sentence two.")
    assert article.title == "Title here"
    assert article.published_at == datetime(2024, 5, 17, 20, 35, 5, tzinfo=UTC)
    assert article.body == "Body sentence one. Body sentence two."


def test_source_line_sets_url_and_outlet():
    article = parse_text(
        "A title\nDATE: 2024-01-02\nSOURCE: https://www.example.com/a/b/?utm_source=x\n\nBody."
    )
    assert article.url == "https://example.com/a/b"
    assert article.source == "example.com"
    assert article.published_at == datetime(2024, 1, 2, tzinfo=UTC)


def test_an_outlet_named_on_the_source_line_beats_the_links_host():
    article = parse_text("A title\nSOURCE: Harbour Gazette\nURL: https://gazette.example/a\n\nBody.")
    assert article.source == "Harbour Gazette"
    assert article.url == "https://gazette.example/a"


def test_title_without_date_leaves_published_at_unknown():
    article = parse_text("Only a title\n\nAnd a body.")
    assert article.title == "Only a title"
    assert article.published_at is None


def test_unreadable_date_is_a_clear_error():
    with pytest.raises(ParseError, match="unreadable date"):
        parse_text("T\nDATE: next tuesday\n\nBody.")


def test_ids_are_deterministic_and_follow_the_url():
    a = parse_text("T\nURL: https://example.com/x\n\nBody one.")
    b = parse_text("T\nURL: https://example.com/x/\n\nBody one.")
    c = parse_text("T\n\nBody one.")
    assert a.id == b.id
    assert a.id != c.id
    assert parse_text("T\n\nBody one.").id == c.id


def test_markdown_front_matter_and_heading():
    md = (
        "---\ntitle: Front title\ndate: 2026-02-20\nurl: https://example.org/x\n---\n\n"
        "# Front title\n\nText here."
    )
    article = parse_markdown(md)
    assert article.title == "Front title"
    assert article.published_at == datetime(2026, 2, 20, tzinfo=UTC)
    assert article.url == "https://example.org/x"
    assert article.body == "Text here."


def test_markdown_heading_alone_is_the_title():
    article = parse_markdown("# A heading\n\nParagraph one.\n\nParagraph two.")
    assert article.title == "A heading"
    assert article.body == "Paragraph one.\n\nParagraph two."


@pytest.mark.parametrize("body_key", ["body", "text", "content"])
@pytest.mark.parametrize("date_key", ["published_at", "date"])
def test_json_fields(body_key, date_key):
    record = {
        "id": "x-1",
        "title": "T",
        body_key: "The body.",
        "url": "https://e.com/a",
        date_key: "2024-03-01",
    }
    [article] = parse_json(json.dumps(record))
    assert (article.id, article.title, article.body) == ("x-1", "T", "The body.")
    assert article.published_at == datetime(2024, 3, 1, tzinfo=UTC)


def test_a_bad_jsonl_line_is_reported_and_the_others_parse():
    text = '{"title": "A", "body": "a"}\nnot json\n{"title": "B"}\n\n{"title": "C", "text": "c"}\n'
    results = list(iter_jsonl(text))
    assert [n for n, _ in results] == [1, 2, 3, 5]
    assert [r.title for _, r in results if not isinstance(r, ParseError)] == ["A", "C"]
    errors = [str(r) for _, r in results if isinstance(r, ParseError)]
    assert errors == [
        "line 2: invalid JSON (Expecting value)",
        "line 3: no 'body', 'text' or 'content' field",
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfe\x00\x01binary", "binary data"),
        (b"caf\xe9 au lait\n\nbody", "not UTF-8"),
        (b"   \n\n", "empty file"),
        (b"Title only\n", "empty article body"),
    ],
)
def test_bad_files_give_a_reason_naming_the_file(data, reason):
    [(_, item)] = list(articles_from_bytes(data, "bad.txt"))
    assert isinstance(item, ParseError)
    assert reason in str(item)
    assert str(item).startswith("bad.txt")


def test_control_characters_never_reach_a_stored_article():
    record = {
        "title": "Ferry \x1b[31mvote\x1b[0m",
        "body": "The council voted\x1b[2J to keep the ferry.\r\nA bell\x07 rang.\x0cPage two\x85 follows.",
        "source": "Halden\tCourier\x00",
    }
    (article,) = [a for _, a in articles_from_bytes(json.dumps(record).encode(), "vote.json")]
    assert article.title == "Ferry [31mvote[0m"
    assert article.body == "The council voted[2J to keep the ferry.\nA bell rang.\nPage two follows."
    assert article.source == "Halden Courier"


def test_a_file_cannot_say_who_added_it_or_when():
    record = {
        "title": "T",
        "body": "The body.",
        "added_by": "discord:1",
        "ingested_at": "2020-01-01T00:00:00+00:00",
    }
    [article] = parse_json(json.dumps(record))
    assert article.added_by is None and article.ingested_at is None
