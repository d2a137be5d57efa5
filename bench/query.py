"""Question latency (retrieval + extractive answer) and process memory at 1k, 10k and 100k chunks.

    .venv/bin/python bench/query.py [--articles 200] [--questions 100] [--sizes 1000,10000,100000]
                                    [--write]

How the store grows: the first ``--articles`` articles of the dev corpus are ingested for real
(Newsdesk's Ingestor, MiniLM vectors). Larger sizes are synthetic: copies of those chunks whose
text has about 15% of its words replaced by words drawn from the corpus vocabulary, whose headline
carries a copy number, whose vector is the original plus Gaussian noise (sigma 0.03 per dimension,
renormalised: cosine about 0.85 to the original) and whose publication date is moved back by 0-60
days. They are written straight into the namespace's collection (the store's chunk metadata,
upserts of 5,000) rather than article by article, which would only make setup slower.

At each size the dev questions are asked through ``Newsroom.ask_sync`` (the retrieval main has at
the time of the run, and the extractive answerer), each as of its question date; the first
question after growth (which catches the in-memory lexical index up) is timed separately.
"""

from __future__ import annotations

import os

# Set before numpy loads: BLAS threads fighting ONNX Runtime's inflate query latency.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)  # a script's own folder first on sys.path would shadow packages

from bench.report import load, machine, write_section  # noqa: E402 -- after the path fix
from bot.newsroom import Newsroom  # noqa: E402
from bot.settings import Settings  # noqa: E402
from ingest.parsing import iter_jsonl  # noqa: E402
from retrieval.evaluation import as_of_for, percentile  # noqa: E402
from retrieval.models import Article, Chunk  # noqa: E402
from retrieval.store import _chunk_metadata  # noqa: E402

DEV = ROOT.parent / "shared" / "eval" / "rtqa" / "dev"
NAMESPACE = "bench"
BATCH = 5000


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB."""
    current = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1]) / 1024
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Grower:
    """Adds synthetic copies of the real chunks until the namespace holds the wanted count."""

    def __init__(self, room: Newsroom, seed: int = 7) -> None:
        self.room = room
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        col = room.store.collection(NAMESPACE)
        assert col is not None
        got = col.get(include=["documents", "metadatas", "embeddings"])
        self.base = list(zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True))
        self.vocab = sorted({w for _, doc, _, _ in self.base for w in doc.split() if w.isalpha()})
        self.copy = 0

    def grow_to(self, size: int) -> float:
        col = self.room.store.collection(NAMESPACE, create=True)
        assert col is not None
        t0 = time.perf_counter()
        ids: list[str] = []
        docs: list[str] = []
        metas: list[Any] = []
        vecs: list[Any] = []
        need = size - col.count()
        while need > 0:
            self.copy += 1
            for cid, doc, meta, vec in self.base:
                if need <= 0:
                    break
                c_id, c_doc, c_meta, c_vec = self._copy(cid, doc, meta, vec)
                ids.append(c_id)
                docs.append(c_doc)
                metas.append(c_meta)
                vecs.append(c_vec)
                need -= 1
                if len(ids) >= BATCH:
                    col.upsert(ids=ids, documents=docs, metadatas=metas, embeddings=vecs)
                    ids, docs, metas, vecs = [], [], [], []
        if ids:
            col.upsert(ids=ids, documents=docs, metadatas=metas, embeddings=vecs)
        return time.perf_counter() - t0

    def _copy(self, cid: str, doc: str, meta: dict[str, Any], vec: Any) -> tuple[str, str, Any, Any]:
        words = doc.split()
        for i in range(len(words)):
            if self.rng.random() < 0.15:
                words[i] = self.rng.choice(self.vocab)
        text = " ".join(words)
        article_id = f"{meta['article_id']}-syn{self.copy}"
        published = None
        if meta.get("published_at"):
            from retrieval.store import _parse_moment

            moment = _parse_moment(meta["published_at"])
            published = moment - timedelta(days=self.rng.randint(0, 60)) if moment else None
        article = Article(
            id=article_id,
            title=f"{meta.get('title', '')} ({self.copy})",
            body=text,
            url=None,
            source=meta.get("source"),
            published_at=published,
        )
        chunk = Chunk(
            id=f"{cid}-syn{self.copy}",
            article_id=article_id,
            index=int(meta.get("index", 0)),
            text=text,
            start=0,
            end=len(text),
        )
        noisy = np.asarray(vec, dtype=np.float32) + self.np_rng.normal(0, 0.03, len(vec)).astype(np.float32)
        noisy /= np.linalg.norm(noisy)
        return (
            chunk.id,
            text,
            _chunk_metadata(article, chunk, int(meta.get("n_chunks", 1)), str(meta.get("ingested_at", ""))),
            noisy,
        )


def measure(room: Newsroom, questions: list[dict[str, Any]]) -> dict[str, Any]:
    first = questions[0]
    t0 = time.perf_counter()
    room.ask_sync(first["question"], NAMESPACE, as_of=as_of_for(first))
    first_ms = (time.perf_counter() - t0) * 1000
    room.asker.retriever.lexical.flush()  # the index cache it scheduled, not timed questions' work
    total, retrieve, answer = [], [], []
    for q in questions:
        t0 = time.perf_counter()
        got = room.ask_sync(q["question"], NAMESPACE, as_of=as_of_for(q))
        total.append((time.perf_counter() - t0) * 1000)
        retrieve.append(got.timings_ms.get("retrieve_ms", 0.0) if got.timings_ms else 0.0)
        answer.append(got.timings_ms.get("answer_ms", 0.0) if got.timings_ms else 0.0)
    current, peak = rss_mb()
    return {
        "chunks": room.store.count(NAMESPACE),
        "first_ms": first_ms,
        "p50": percentile(total, 50),
        "p95": percentile(total, 95),
        "max": max(total),
        "retrieve_p50": percentile(retrieve, 50),
        "retrieve_p95": percentile(retrieve, 95),
        "answer_p95": percentile(answer, 95),
        "rss_mb": current,
        "peak_rss_mb": peak,
        "load": load(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=200, help="real dev articles ingested first")
    parser.add_argument("--questions", type=int, default=100, help="dev questions asked at each size")
    parser.add_argument("--sizes", default="1000,10000,100000", help="chunk counts to measure at")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    corpus = (DEV / "corpus.jsonl").read_text(encoding="utf-8")
    articles = [a for _, a in iter_jsonl(corpus) if isinstance(a, Article)][: args.articles]
    lines = (DEV / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()][: args.questions]
    command = "OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/query.py " + " ".join(sys.argv[1:])
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-query-") as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp))  # type: ignore[call-arg]
        room = Newsroom.from_settings(settings)
        t0 = time.perf_counter()
        report = room.ingestor.ingest_items([("dev", a) for a in articles], NAMESPACE)
        print(
            f"ingested {report.articles_added} articles, {report.chunks_added} chunks "
            f"in {time.perf_counter() - t0:.0f} s",
            flush=True,
        )
        grower = Grower(room)
        for size in sizes:
            grow_s = grower.grow_to(size) if size > room.store.count(NAMESPACE) else 0.0
            row = measure(room, questions)
            row["grow_s"] = grow_s
            rows.append(row)
            print(json.dumps(row), flush=True)
    table = [
        f"Machine: {machine()}.",
        "",
        f"Command: `{command}`",
        "",
        f"{len(questions)} dev questions at each size, each as of its question date; real chunks from "
        f"the first {len(articles)} dev articles, the rest synthetic copies (see the script's docstring). "
        "Load average (1/5/15 min) is the machine's after each size: other work shared the 2 cores.",
        "",
        "| chunks | p50 ms | p95 ms | max ms | retrieval p50 / p95 ms | answer p95 ms "
        "| first question after growth ms | RSS MB (peak) | load |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        table.append(
            f"| {r['chunks']:,} | {r['p50']:.0f} | {r['p95']:.0f} | {r['max']:.0f} "
            f"| {r['retrieve_p50']:.0f} / {r['retrieve_p95']:.0f} | {r['answer_p95']:.0f} "
            f"| {r['first_ms']:.0f} | {r['rss_mb']:.0f} ({r['peak_rss_mb']:.0f}) | {r['load']} |"
        )
    body = "## Question latency by store size (`bench/query.py`)\n\n" + "\n".join(table)
    print(body)
    if args.write:
        write_section("bench-query", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
