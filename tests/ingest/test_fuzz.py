"""Fuzzing the parsers: whatever the input, the only exception is IngestError."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.errors import IngestError
from ingest.feeds import parse_feed
from ingest.html import article_from_html
from ingest.loaders import articles_from_bytes, sniff
from ingest.parsing import iter_jsonl, parse_json, parse_markdown, parse_text

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Fragments that steer random text towards the parsers' interesting paths.
_PIECES = st.sampled_from(
    [
        "\n",
        "  ",
        "DATE: ",
        "DATE: 2024-13-45",
        "DATE: 9999-99-99 99:99",
        "SOURCE: http://x",
        "URL: ",
        "---\n",
        "title: ",
        "# ",
        "\ufeff",
        "\x00",
        "{",
        "}",
        "[",
        "]",
        '"title"',
        '"body"',
        ":",
        ",",
        "<html>",
        "<head>",
        "<title>",
        "</title>",
        "<body>",
        "<p>",
        "</p>",
        "<script>",
        "<!--",
        "-->",
        "<rss version='2.0'>",
        "<channel>",
        "<item>",
        "<link>",
        "http://127.0.0.1/",
        "</item>",
        "<feed xmlns='http://www.w3.org/2005/Atom'>",
        "<entry>",
        "&amp;",
        "&#0;",
        "&bogus;",
        "\u2028",
        '"published_at": "yesterday"',
        '"id": "///"',
        "null",
        "1e999",
        "-0",
        "%PDF-1.4",
    ]
)
DATES = st.one_of(
    st.sampled_from(
        ["2024-13-45", "2024-02-30 25:61", "9999-99-99", "0001-01-01T00:00:00+01:00", "Z", "2024-05-17Z"]
    ),
    st.text(max_size=25),
)
STRUCTURED = st.tuples(
    st.text(max_size=40),
    st.lists(
        st.tuples(st.sampled_from(["DATE", "URL", "SOURCE", "date", "title", "url"]), DATES), max_size=3
    ),
    st.text(max_size=80),
    st.booleans(),
).map(
    lambda t: (
        ("---\n" + "".join(f"{k}: {v}\n" for k, v in t[1]) + "---\n# " + t[0] + "\n\n" + t[2])
        if t[3]
        else (t[0] + "\n" + "".join(f"{k.upper()}: {v}\n" for k, v in t[1]) + "\n" + t[2])
    )
)
TEXTS = st.one_of(
    STRUCTURED,
    st.text(max_size=400),
    st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=40).map("".join),
)
BYTES = st.one_of(st.binary(max_size=400), TEXTS.map(lambda t: t.encode("utf-8", "surrogatepass")))
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30) | DATES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "title",
                    "body",
                    "text",
                    "content",
                    "url",
                    "link",
                    "date",
                    "published_at",
                    "id",
                    "source",
                    "x",
                ]
            ),
            inner,
            max_size=6,
        )
    ),
    max_leaves=12,
)


def _only_ingest_errors(call: Callable[[], Any]) -> None:
    try:
        result = call()
        if hasattr(result, "__next__"):
            list(result)
    except IngestError:
        pass


@FUZZ
@given(TEXTS)
def test_text_and_markdown_parsers(text: str) -> None:
    _only_ingest_errors(lambda: parse_text(text, "fuzz"))
    _only_ingest_errors(lambda: parse_markdown(text, "fuzz"))


@FUZZ
@given(st.one_of(TEXTS, JSONISH.map(json.dumps)))
def test_json_parser(text: str) -> None:
    _only_ingest_errors(lambda: parse_json(text, "fuzz"))


@FUZZ
@given(st.lists(st.one_of(TEXTS, JSONISH.map(json.dumps)), max_size=6).map("\n".join))
def test_jsonl_parser_reports_per_line(text: str) -> None:
    for _, item in iter_jsonl(text, "fuzz"):
        assert not isinstance(item, Exception) or isinstance(item, IngestError)


@FUZZ
@given(BYTES)
def test_html_extraction(data: bytes) -> None:
    _only_ingest_errors(lambda: article_from_html(data, "https://fuzz.example/a"))


@FUZZ
@given(BYTES)
def test_feed_parsing(data: bytes) -> None:
    _only_ingest_errors(lambda: parse_feed(data, "https://fuzz.example/feed"))


@FUZZ
@given(BYTES, st.sampled_from(["a.txt", "a.md", "a.json", "a.jsonl", "a.html", "a.pdf", "noext"]))
def test_file_loader_yields_articles_or_ingest_errors(data: bytes, name: str) -> None:
    for _, item in articles_from_bytes(data, name):
        assert not isinstance(item, Exception) or isinstance(item, IngestError)
    assert sniff(data) in ("empty", "pdf", "html", "feed", "text") or sniff(data).startswith("binary:")
