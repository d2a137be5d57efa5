"""``newsdesk eval``: ingest an evaluation corpus into its own namespace, answer, score."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from bot.newsroom import Newsroom
from retrieval import evaluation
from retrieval.errors import NewsdeskError
from retrieval.models import Answer


class EvalInputError(NewsdeskError):
    """An unreadable queries or corpus file."""


def _load_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        with path.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]
    except OSError as exc:
        raise EvalInputError(f"{path}: cannot read ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise EvalInputError(f"{path}: not JSON lines ({exc.msg} at line {exc.lineno})") from None


def default_namespace(corpus: Path) -> str:
    """``eval-`` plus a digest of the corpus file, so each corpus gets (and reuses) its own."""
    digest = hashlib.sha256(corpus.read_bytes()).hexdigest()[:12]
    return f"eval-{digest}"


def cmd_eval(args: argparse.Namespace, room: Newsroom, out: TextIO) -> int:
    queries_path = Path(args.queries)
    corpus_path = Path(args.corpus) if args.corpus else queries_path.parent / "corpus.jsonl"
    queries = _load_jsonl(queries_path)
    corpus = _load_jsonl(corpus_path)
    namespace = args.namespace or default_namespace(corpus_path)
    stored = len(room.store.articles(namespace))
    if stored < len(corpus):
        print(f"ingesting {len(corpus)} articles into namespace {namespace} ...", file=sys.stderr)
        report = room.ingest_sync([str(corpus_path)], namespace)
        print(
            f"  {report.articles_added} added, {report.articles_skipped} already there, "
            f"{len(report.errors)} errors",
            file=sys.stderr,
        )
    else:
        print(f"reusing namespace {namespace} ({stored} articles)", file=sys.stderr)

    # Build the in-memory indexes before timing, so latency reflects answering, not start-up.
    room.asker.retriever.lexical.snapshot(namespace)

    def ask(question: str, as_of: datetime | None) -> Answer:
        return room.ask_sync(question, namespace, k=args.k, as_of=as_of)

    progress: Callable[[int], None] | None = None
    if sys.stderr.isatty():

        def progress(done: int) -> None:
            print(f"\r  answered {done}/{len(queries)}", end="", file=sys.stderr, flush=True)

    result = evaluation.run(ask, queries, corpus, progress)
    if progress:
        print(file=sys.stderr)
    if args.out:
        with Path(args.out).open("w", encoding="utf-8") as fh:
            for row in result.outputs:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    if args.json:
        out.write(json.dumps(result.metrics) + "\n")
    else:
        out.write(evaluation.table(result.metrics) + "\n")
    return 0


def add_eval_arguments(p: argparse.ArgumentParser) -> None:
    """The ``eval`` command's arguments."""
    p.add_argument("queries", metavar="QUERIES.jsonl")
    p.add_argument("--corpus", metavar="CORPUS.jsonl", help="default: corpus.jsonl next to QUERIES")
    p.add_argument("--k", type=int, default=10, help="chunks to retrieve per question")
    p.add_argument("--namespace", default=None, help="default: eval- plus a digest of the corpus")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--out", metavar="OUTPUTS.jsonl", help="write score.py-compatible outputs here")
