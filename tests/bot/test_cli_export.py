"""`newsdesk export`: a namespace's articles as JSON lines that `newsdesk ingest` reads back."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from bot.newsroom import Newsroom
from bot.settings import Settings
from tests.ingest.test_rechunk import with_a_broken_article

ARTICLES = Path(__file__).parent / "articles"
Run = Callable[..., tuple[int, str, str]]
# Taken before the `run` fixture points Newsroom.from_settings at the test's one newsroom.
build_newsroom = Newsroom.from_settings


def test_an_exported_library_ingested_into_another_store_is_the_same_library(
    newsroom: Newsroom, run: Run, tmp_path: Path
) -> None:
    assert run("ingest", str(ARTICLES), "--namespace", "desk")[0] == 0
    out_file = tmp_path / "desk.jsonl"
    code, out, err = run("export", "--namespace", "desk", "--out", str(out_file))
    assert code == 0 and out == ""
    assert err == f"Exported 4 articles of desk to {out_file}.\n"

    elsewhere = build_newsroom(Settings(_env_file=None, data_dir=tmp_path / "other"))  # type: ignore[call-arg]
    report = elsewhere.ingest_sync([str(out_file)], "desk")
    assert (report.articles_added, report.errors) == (4, [])

    def library(room: Newsroom) -> list[tuple[object, ...]]:
        return [
            (a.id, a.title, a.url, a.published_at, a.source, a.chunks) for a in room.articles_sync("desk")
        ]

    assert library(elsewhere) == library(newsroom)
    question = "When does the floating library open?"
    here, there = newsroom.ask_sync(question, "desk"), elsewhere.ask_sync(question, "desk")
    assert "June 2026" in there.text and there.text == here.text
    assert [c.quote for c in there.citations] == [c.quote for c in here.citations]


def test_export_writes_json_lines_to_standard_output_and_the_count_to_stderr(
    newsroom: Newsroom, run: Run
) -> None:
    run("ingest", str(ARTICLES))
    code, out, err = run("export")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and err == "Exported 4 articles of default.\n"
    assert {r["title"] for r in rows} >= {"Harbour council approves a floating library"}
    library = next(r for r in rows if r["title"] == "Harbour council approves a floating library")
    assert library["url"] == "https://courier.example/floating-library"
    assert library["published_at"].startswith("2025-02-11") and library["source"] == "Halden Courier"
    assert "converted grain barge" in library["body"]


def test_an_article_missing_chunks_is_named_and_the_rest_exported(newsroom: Newsroom, run: Run) -> None:
    story, other = with_a_broken_article(newsroom)

    code, out, err = run("export")
    assert code == 1
    assert [json.loads(line)["id"] for line in out.splitlines()] == [other.id]
    assert err.splitlines() == [
        "Exported 1 article of default.",
        f"  error: default/{story.id}: chunks missing; not exported",
    ]


def test_an_empty_namespace_or_an_unwritable_file_is_one_line_and_writes_nothing(
    newsroom: Newsroom, run: Run, tmp_path: Path
) -> None:
    code, out, err = run("export", "--namespace", "nothing-here")
    assert (code, out, err) == (1, "", "error: no articles in namespace nothing-here\n")
    run("ingest", str(ARTICLES))
    target = tmp_path / "missing-folder" / "x.jsonl"
    code, _, err = run("export", "--out", str(target))
    assert code == 1 and err == f"error: {target}: cannot write (No such file or directory)\n"
    assert not target.parent.exists()


def test_show_refuses_an_article_missing_chunks_with_what_to_do(newsroom: Newsroom, run: Run) -> None:
    story, other = with_a_broken_article(newsroom)
    code, out, err = run("show", story.id)
    assert (code, out) == (1, "")
    assert (
        err == "error: the passages of 'Harbour board approves tide gauges' are incomplete: ingest it again\n"
    )
    assert run("show", other.id)[0] == 0
