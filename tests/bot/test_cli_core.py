"""The CLI contract of ingest and ask (DESIGN.md): JSON shapes, batch mode, errors."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest


def test_ingest_json_report_then_rerun_is_a_noop(run, seed_dir):
    code, out, _ = run("ingest", str(seed_dir), "--json")
    report = json.loads(out)
    assert code == 0
    assert {"articles_added", "articles_skipped", "chunks_added", "errors"} <= report.keys()
    assert report["articles_added"] == 1 and report["chunks_added"] > 0 and report["errors"] == []
    code, out, _ = run("ingest", str(seed_dir), "--json")
    again = json.loads(out)
    assert (again["articles_added"], again["chunks_added"], again["articles_skipped"]) == (0, 0, 1)


def test_ask_json_contract(run, seed_dir):
    run("ingest", str(seed_dir))
    code, out, _ = run("ask", "who did Lavrov meet?", "--json")
    answer = json.loads(out)
    assert code == 0
    assert {"question", "answer", "mode", "citations", "retrieved"} <= answer.keys()
    assert answer["question"] == "who did Lavrov meet?"
    assert answer["citations"], "expected at least one citation"
    for c in answer["citations"]:
        assert {
            "n",
            "article_id",
            "title",
            "url",
            "published_at",
            "quote",
            "start",
            "end",
            "link",
        } <= c.keys()
        assert c["published_at"].startswith("2024-05-17T20:35:05")
    for r in answer["retrieved"]:
        assert {"chunk_id", "article_id", "title", "url", "score", "text"} <= r.keys()


def test_ask_human_output_lists_sources_under_the_answer(run, seed_dir):
    run("ingest", str(seed_dir))
    code, out, _ = run("ask", "who did Lavrov meet?")
    assert code == 0
    assert "[1]" in out and "Sources:" in out
    assert "[1] Russian Foreign Minister Sergei Lavrov meets N. Korean leader Kim" in out
    assert "2024-05-17" in out


def test_batch_questions_carry_ids_and_report_bad_lines(run, seed_dir, tmp_path):
    run("ingest", str(seed_dir))
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "a", "question": "who did Lavrov meet?", "as_of": "2024-05-18"}\n'
        "this is not json\n"
        '{"id": "b", "question": "who did Lavrov meet?", "as_of": "2024-05-01"}\n',
        encoding="utf-8",
    )
    code, out, _ = run("ask", "--questions", str(questions), "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["id"] for r in rows] == ["a", None, "b"]
    assert rows[0]["citations"]
    assert "line 2" in rows[1]["error"]
    # Asked before the article was published, the question cannot use it, and says why.
    assert rows[2]["mode"] == "empty" and not rows[2]["citations"]
    assert rows[2]["answer"] == "No article stored here was published by 2024-05-01."


def test_an_empty_namespace_says_nothing_is_ingested_whatever_the_date(run, seed_dir):
    run("ingest", str(seed_dir))
    code, out, _ = run("ask", "who did Lavrov meet?", "--namespace", "other", "--as-of", "2024-05-01")
    assert code == 0
    assert out.splitlines() == [
        "No articles have been ingested here yet.",
        "Add some with: newsdesk ingest PATH_OR_URL (files, folders, .jsonl, links).",
    ]


def test_bad_file_among_good_ones_is_reported_and_the_good_ones_go_in(run, seed_dir, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    code, out, _ = run("ingest", str(bad), str(seed_dir), "--json")
    report = json.loads(out)
    assert code == 1  # a script is told that a source failed
    assert report["articles_added"] == 1
    assert report["errors"] == [
        {
            "source": str(bad),
            "error": f"{bad}: invalid JSON at line 1: Expecting property name enclosed in double quotes",
        }
    ]
    code, out, _ = run("ingest", str(seed_dir))  # the good one went in all the same
    assert code == 0 and "already stored" in out


def test_errors_are_one_line_on_stderr_with_nonzero_exit(run, tmp_path):
    code, out, err = run("ingest", str(tmp_path / "missing.txt"))
    assert code == 1
    assert "no such file or folder" in out + err
    code, _, err = run("ask", "   ")
    assert code == 1
    assert err.strip() == "error: the question is empty"
    code, _, err = run("ask", "x", "--namespace", "bad name!")
    assert code == 1 and err.startswith("error: invalid namespace") and err.count("\n") == 1


def test_stats_counts_articles_and_chunks(run, seed_dir):
    run("ingest", str(seed_dir))
    code, out, _ = run("stats", "--json")
    stats = json.loads(out)
    assert code == 0
    assert stats["namespaces"]["default"]["articles"] == 1
    assert stats["namespaces"]["default"]["chunks"] >= 1


def test_stats_say_what_the_library_spans(run):
    run("ingest", str(Path(__file__).parent / "articles"))
    code, out, _ = run("stats", "--json")
    row = json.loads(out)["namespaces"]["default"]
    assert code == 0
    assert (row["articles"], row["outlets"], row["oldest"], row["newest"]) == (
        4,
        3,
        "2025-02-11",
        "2025-07-02",
    )
    code, out, _ = run("stats")
    chunks = row["chunks"]
    assert out.splitlines()[1] == (
        f"default: 4 articles from 3 outlets, published 2025-02-11 to 2025-07-02 ({chunks} chunks)"
    )


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


FOG_HORN = b"Harbour fog horn tested\nDATE: 2026-11-29\n\nThe new fog horn was tested on Saturday.\n"


def test_ingest_reads_standard_input_for_a_dash(run, monkeypatch):
    monkeypatch.setattr("sys.stdin", _Stdin(FOG_HORN))
    code, out, _ = run("ingest", "-", "--json")
    assert code == 0 and json.loads(out)["articles_added"] == 1
    code, out, _ = run("ask", "When was the fog horn tested?", "--json")
    assert json.loads(out)["citations"][0]["title"] == "Harbour fog horn tested"

    lines = (
        b'{"title": "Pier A reopens", "body": "Pier A reopened."}\n'
        b'{"title": "Pier B", "body": "Pier B shut."}\n'
    )
    monkeypatch.setattr("sys.stdin", _Stdin(lines))
    code, out, _ = run("ingest", "-", "--format", "jsonl", "--json")
    assert code == 0 and json.loads(out)["articles_added"] == 2


@pytest.mark.parametrize(
    ("argv", "data", "message"),
    [
        (("-", "elsewhere.txt"), FOG_HORN, "cannot be combined with other sources"),
        (("-",), b"", "stdin.txt: empty file"),
        (("elsewhere.txt", "--format", "json"), FOG_HORN, "--format is for standard input (-)"),
        (("-",), FOG_HORN * 10, "standard input: too large (over 100 bytes)"),
    ],
)
def test_ingest_from_standard_input_refuses_bad_input_and_stores_nothing(
    run, newsroom, monkeypatch, argv, data, message
):
    monkeypatch.setattr(newsroom, "attachment_max_bytes", 100)
    monkeypatch.setattr("sys.stdin", _Stdin(data))
    code, out, err = run("ingest", *argv)
    assert code == 1
    assert message in out + err
    assert newsroom.store.articles("default") == []


def test_ask_limits_by_outlet_and_dates(run):
    run("ingest", str(Path(__file__).parent / "articles"))
    code, out, _ = run("ask", "What was approved?", "--outlet", "halden courier", "--json")
    assert code == 0
    assert {r["url"].split("/")[2] for r in json.loads(out)["retrieved"]} == {"courier.example"}
    code, out, _ = run(
        "ask", "What was approved?", "--since", "2025-03-05", "--until", "2025-06-30", "--json"
    )
    assert {r["title"] for r in json.loads(out)["retrieved"]} == {
        "Bakery strike in Wrenfield ends after nine days"
    }
    code, _, err = run("ask", "What was approved?", "--until", "2025-13-01")
    assert code == 1 and err.strip() == "error: --until: unreadable date '2025-13-01' (no such day or time)"


def test_ask_about_one_article_by_id_or_link(run):
    run("ingest", str(Path(__file__).parent / "articles"))
    library = "https://courier.example/floating-library"
    copied = "https://www.courier.example/floating-library/?utm_source=chat"  # as a browser shows it
    for key in (library, "u-" + hashlib.sha256(library.encode()).hexdigest()[:16], copied):
        code, out, _ = run("ask", "What was approved?", "--article", key, "--json")
        answer = json.loads(out)
        assert code == 0 and {r["url"] for r in answer["retrieved"]} == {library}
        assert answer["citations"] and {c["url"] for c in answer["citations"]} == {library}
        # each citation also links to its quote in the article (a text fragment)
        assert all(c["link"].startswith(f"{library}#:~:text=") for c in answer["citations"])
    code, out, err = run("ask", "What was approved?", "--article", "https://courier.example/nope")
    assert (code, out) == (1, "")
    assert err.strip() == "error: no article 'https://courier.example/nope' in namespace default"


def test_ask_of_a_source_number_says_ask_keeps_no_earlier_answer(run):
    run("ingest", str(Path(__file__).parent / "articles"))
    code, out, err = run("ask", "summarize [2]")
    assert (code, out) == (1, "")
    assert err == (
        "error: `newsdesk ask` keeps no earlier answer to take source [2] from: ask it in `newsdesk chat`,"
        " or ask of that article alone with --article and the link listed under the source\n"
    )
    library = "https://courier.example/floating-library"
    code, out, _ = run("ask", "summarize [2]", "--article", library, "--json")
    assert code == 0 and {c["url"] for c in json.loads(out)["citations"]} == {library}
    code, out, _ = run("ask", "What was approved, according to [2]?")  # a question of its own
    assert code == 0 and "[1]" in out
