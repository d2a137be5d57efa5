"""``newsdesk eval`` and its metrics: the same numbers as the RealTime QA score.py."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bot.cli import main
from retrieval import evaluation
from tests.conftest import FIXTURES, SHARED

EVAL = FIXTURES / "eval"
SCORE_PY = SHARED / "eval" / "rtqa" / "score.py"


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def score_py() -> ModuleType:
    if not SCORE_PY.is_file():
        pytest.skip("../shared/eval/rtqa/score.py is not present")
    spec = importlib.util.spec_from_file_location("rtqa_score", SCORE_PY)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hand_written_outputs() -> list[dict[str, Any]]:
    """Outputs that exercise every rule: url refs, tracking parameters, bad quotes, misses."""
    return [
        {
            "id": "q1",
            "answer": "It serves gull  island.",
            "citations": [{"article_id": "fx-ferry", "quote": "The Harbourview town council voted 7-2"}],
            "retrieved": [
                {"article_id": "fx-prize", "text": "Gull Islander"},
                {"url": "http://www.news.example.test/2031/03/02/harbourview-ferry", "text": None},
            ],
        },
        {
            "id": "q2",
            "answer": "Ida Sorensen [1]",
            "citations": [
                {
                    "url": "https://food.example.test/briar-valley-baker?utm_medium=x",
                    "quote": "Baker Ida\nSorensen",
                },
                {"article_id": "fx-prize", "quote": "baker ida sorensen"},
                {"article_id": "nope", "quote": "Baker"},
            ],
            "retrieved": [{"article_id": "fx-old-prize", "text": "x"}] * 3
            + [{"article_id": "fx-prize", "text": "won by Ida Sorensen"}],
        },
        {"id": "q3", "answer": "31 metresx", "citations": [], "retrieved": []},
        {
            "id": "q5",
            "answer": "Sea Lark",
            "citations": [{"article_id": "fx-ferry", "quote": ""}],
            "retrieved": [{"article_id": "fx-ferry"}],
        },
    ]


def test_metrics_match_score_py_on_hand_written_outputs(score_py):
    queries, corpus = load(EVAL / "queries.jsonl"), load(EVAL / "corpus.jsonl")
    outputs = hand_written_outputs()
    for substring in (False, True):
        assert evaluation.score(queries, outputs, corpus, substring) == score_py.score(
            queries, outputs, corpus, substring
        )


def test_eval_command_reports_score_py_numbers_and_reuses_its_namespace(
    newsroom, settings, tmp_path, capsys, monkeypatch, score_py
):
    monkeypatch.setattr("bot.cli.Newsroom.from_settings", lambda s: newsroom)
    out = tmp_path / "outputs.jsonl"
    args = ["eval", str(EVAL / "queries.jsonl"), "--json", "--out", str(out)]
    assert main(args, settings) == 0
    captured = capsys.readouterr()
    metrics = json.loads(captured.out)
    assert "ingesting 6 articles" in captured.err
    expected = score_py.score(load(EVAL / "queries.jsonl"), load(out), load(EVAL / "corpus.jsonl"))
    assert {k: metrics[k] for k in expected} == expected
    assert metrics["ans_recall@10"] >= 0.8
    assert metrics["citation_validity"] == 1.0
    assert metrics["latency_p95_ms"] >= metrics["latency_p50_ms"] > 0

    assert main(args, settings) == 0
    assert "reusing namespace" in capsys.readouterr().err


def test_eval_never_retrieves_articles_published_after_the_question_date(
    newsroom, settings, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr("bot.cli.Newsroom.from_settings", lambda s: newsroom)
    out = tmp_path / "outputs.jsonl"
    main(["eval", str(EVAL / "queries.jsonl"), "--json", "--out", str(out)], settings)
    for row in load(out):
        assert all(r.get("article_id") != "fx-future" for r in row["retrieved"])


def test_as_of_is_the_end_of_the_question_day():
    moment = evaluation.as_of_for({"question_date": "2031-03-06"})
    assert moment is not None and moment.isoformat() == "2031-03-06T23:59:59+00:00"


@pytest.mark.parametrize(
    ("values", "q", "expected"), [([], 95, 0.0), ([5.0], 95, 5.0), ([1, 2, 3, 4, 5], 50, 3)]
)
def test_percentile_interpolates(values, q, expected):
    assert evaluation.percentile(values, q) == pytest.approx(expected)
