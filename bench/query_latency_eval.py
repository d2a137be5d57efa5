"""Per-question latency of retrieval plus the extractive answer on an evaluation set.

Usage (as a module from the repository root, so that bench/ingest.py does not shadow the ingest
package; the corpus ingested once, e.g. by ``newsdesk eval``, into NAMESPACE under the data dir)::

    NEWSDESK_DATA_DIR=/work/evaldata .venv/bin/python -m bench.query_latency_eval \\
        ../shared/eval/rtqa/dev/queries.jsonl --namespace eval-rtqa-dev [--rounds 3] [--write]

Each question is asked as of its ``question_date``, the way ``newsdesk eval`` asks it. The first
question (which builds the in-memory lexical index) is asked once untimed. Reports p50/p95/max of
the whole ``ask`` call and of its retrieval and answer parts, with the load average before and after,
because other work on the machine moves these numbers. ``--write`` replaces this benchmark's section
of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.newsroom import Newsroom
from bot.settings import Settings
from retrieval.evaluation import as_of_for, percentile

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- query_latency_eval:begin -->", "<!-- query_latency_eval:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("queries")
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()

    queries = [json.loads(line) for line in Path(args.queries).read_text().splitlines() if line.strip()]
    room = Newsroom.from_settings(Settings())
    chunks = room.store.count(args.namespace)
    assert chunks, f"namespace {args.namespace} is empty: run newsdesk eval first"
    t0 = time.perf_counter()
    room.ask_sync(queries[0]["question"], args.namespace, k=args.k, as_of=as_of_for(queries[0]))
    first_ms = (time.perf_counter() - t0) * 1000

    load_before = os.getloadavg()
    total, retrieve, answer = [], [], []
    for _ in range(args.rounds):
        for q in queries:
            t = time.perf_counter()
            got = room.ask_sync(q["question"], args.namespace, k=args.k, as_of=as_of_for(q))
            total.append((time.perf_counter() - t) * 1000)
            retrieve.append(got.timings_ms.get("retrieve_ms", 0.0))
            answer.append(got.timings_ms.get("answer_ms", 0.0))
    load_after = os.getloadavg()

    def row(name: str, values: list[float]) -> str:
        return f"| {name} | {percentile(values, 50):.1f} | {percentile(values, 95):.1f} | {max(values):.1f} |"

    lines = [
        BEGIN,
        "## Query latency: retrieval + extractive answer (RealTime QA dev questions)",
        "",
        f"`NEWSDESK_DATA_DIR=... python -m bench.query_latency_eval {Path(args.queries).name} "
        f"--namespace {args.namespace} --rounds {args.rounds}`, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()} with {os.cpu_count()} cores, "
        f"{chunks} chunks in the namespace, k={args.k}, {len(total)} timed questions.",
        f"Load average (1 min) {load_before[0]:.2f} before and {load_after[0]:.2f} after: "
        "other work on the machine shares the two cores.",
        f"First question of a process (builds the BM25 and vector snapshot): {first_ms:.0f} ms.",
        "",
        "| part | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|",
        row("ask (total)", total),
        row("retrieval (embed + vector scan + BM25 + fusion)", retrieve),
        row("extractive answer", answer),
        END,
    ]
    section = "\n".join(lines)
    print(section)
    if args.write:
        text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
        if BEGIN in text:
            text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: section, text, flags=re.S)
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
