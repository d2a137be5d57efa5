"""The dev-set quality floor (slow, opt-in): set NEWSDESK_EVAL_DATA_DIR to a data dir holding the
RealTime QA dev corpus, ingested with the default settings, in namespace NEWSDESK_EVAL_NAMESPACE
(default ``eval-rtqa-dev``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.newsroom import Newsroom
from bot.settings import Settings
from retrieval import evaluation
from tests.conftest import SHARED

DEV = SHARED / "eval" / "rtqa" / "dev"


@pytest.mark.slow
def test_dev_set_answers_stay_cited_valid_and_fast_enough():
    data_dir = os.environ.get("NEWSDESK_EVAL_DATA_DIR")
    if not data_dir or not (DEV / "queries.jsonl").is_file():
        pytest.skip("set NEWSDESK_EVAL_DATA_DIR to a store holding the dev corpus")
    namespace = os.environ.get("NEWSDESK_EVAL_NAMESPACE", "eval-rtqa-dev")
    room = Newsroom.from_settings(Settings(_env_file=None, data_dir=Path(data_dir)))  # type: ignore[call-arg]
    if not room.store.count(namespace):
        pytest.skip(f"namespace {namespace} is empty")
    load = lambda p: [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]  # noqa: E731
    queries, corpus = load(DEV / "queries.jsonl"), load(DEV / "corpus.jsonl")
    result = evaluation.run(lambda q, as_of: room.ask_sync(q, namespace, k=10, as_of=as_of), queries, corpus)
    m = result.metrics
    assert m["citation_validity"] == 1.0
    assert m["cited_share"] >= 0.9
    assert m["answer_accuracy"] >= 0.35
    assert m["ans_recall@10"] >= 0.65 and m["mrr@10"] >= 0.52
