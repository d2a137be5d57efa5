"""Ingest throughput: Newsdesk's Ingestor against the LangChain tutorial pipeline, in the same run.

    .venv/bin/python bench/ingest.py [--limit N] [--slice 96] [--corpus PATH] [--out FILE.json] [--write]

Both pipelines read the same articles, embed with the same offline MiniLM (the tutorial's side
wraps it as a LangChain ``Embeddings``) and write into their own fresh embedded Chroma directory,
each in its own child process (so each peak RSS is its own; both get the same thread settings).
The machine is shared, and its load drifts by minutes, so the two are not run one after the other:
the corpus is cut into slices and the children ingest slice 1, slice 1, slice 2, slice 2, ... in
turns (alternating which goes first), and each pipeline's wall time is the sum of its slices.

The tutorial pipeline is the one from LangChain's RAG tutorial: RecursiveCharacterTextSplitter
(chunk_size=1000, chunk_overlap=200) over each article body, then ``Chroma.add_documents``.
After ingesting, each side answers the dev questions from its own top 10 for answer recall.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on sys.path and its name would shadow the
# ``ingest`` package: put the project root there instead.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)

DEFAULT_CORPUS = ROOT.parent / "shared" / "eval" / "rtqa" / "dev" / "corpus.jsonl"
# Same for both children: BLAS threads fighting ONNX Runtime's only add noise.
CHILD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
RECALL = ("ans_recall@1", "ans_recall@4", "ans_recall@10", "mrr@10")
PIPELINES = ("tutorial", "newsdesk")
TUTORIAL_WORDPIECES = 256


class TimedEmbedder:
    """Wraps an embedder, adding up the wall time spent embedding and the wordpieces it read."""

    def __init__(self, inner: Any, budget: int | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.busy = 0.0
        self.budget = budget
        self.inputs: list[str] = []  # counted after the run, not on its clock

    def embed(self, texts: Any) -> Any:
        t0 = time.perf_counter()
        out = self.inner.embed(texts)
        self.busy += time.perf_counter() - t0
        if self.budget:
            self.inputs.extend(texts)
        return out

    def wordpieces(self) -> int:
        """Wordpieces the model read (after truncation at the budget)."""
        return sum(min(self.budget or 0, self.inner.count_wordpieces(t)) for t in self.inputs)

    def embed_passages(self, passages: Any) -> Any:
        from retrieval.embedder import pool_windows

        t0 = time.perf_counter()
        texts, owners = self.inner.passage_windows(passages)
        self.busy += time.perf_counter() - t0
        return pool_windows(self.embed(texts), owners, len(passages))

    def count_wordpieces(self, text: str) -> int:
        return int(self.inner.count_wordpieces(text))


def _articles(corpus: Path, limit: int | None) -> list[Any]:
    from ingest.parsing import iter_jsonl

    text = corpus.read_text(encoding="utf-8")
    out = [a for _, a in iter_jsonl(text, source=str(corpus)) if not isinstance(a, Exception)]
    return out[:limit] if limit else out


def _recall(corpus: Path, search: Any) -> dict[str, float]:
    """Answer recall@1/4/10 and MRR@10 (score.py's definitions) of ``search(question, as_of)``."""
    from retrieval.evaluation import as_of_for, score

    queries_path = corpus.parent / "queries.jsonl"
    if not queries_path.exists():
        return {}
    queries = [json.loads(x) for x in queries_path.read_text(encoding="utf-8").splitlines() if x.strip()]
    records = [json.loads(x) for x in corpus.read_text(encoding="utf-8").splitlines() if x.strip()]
    outputs = [
        {"id": q["id"], "retrieved": [{"text": t} for t in search(q["question"], as_of_for(q))]}
        for q in queries
    ]
    metrics = score(queries, outputs, records)
    return {k: metrics[k] for k in RECALL}


class NewsdeskRun:
    """Newsdesk's Ingestor into its own store; retrieval as ``ask`` does it."""

    def __init__(self, workdir: Path, dense_wordpieces: int | None = None) -> None:
        from ingest.pipeline import Ingestor
        from retrieval.embedder import DENSE_WORDPIECES, MiniLMEmbedder
        from retrieval.store import ChromaStore, embedded_client

        # --dense-wordpieces N: chunk vectors from each chunk's first N wordpieces instead.
        self.budget = dense_wordpieces or DENSE_WORDPIECES
        self.embedder = TimedEmbedder(MiniLMEmbedder(max_wordpieces=self.budget), self.budget)
        self.store = ChromaStore(embedded_client(workdir / "chroma"), self.embedder.name, label="bench")
        self.ingestor = Ingestor(self.store, self.embedder)
        # Where the rest of the wall time goes (writes run on the writer thread, overlapped).
        self.parts = {"chunking": 0.0, "store lookups": 0.0, "waiting for writes": 0.0, "writes": 0.0}
        _time_calls(self.ingestor, "chunk", self.parts, "chunking")
        _time_calls(self.ingestor, "_finish", self.parts, "waiting for writes")
        _time_calls(self.store, "stored_hashes", self.parts, "store lookups")
        _time_calls(self.store, "hashes_present", self.parts, "store lookups")
        _time_calls(self.store, "write_articles", self.parts, "writes")

    def ingest(self, articles: list[Any]) -> None:
        report = self.ingestor.ingest_items([("bench", a) for a in articles], "bench")
        assert not report.errors and report.articles_added == len(articles), report.errors[:3]

    def finish(self, corpus: Path) -> dict[str, Any]:
        from retrieval.search import Retriever

        retriever = Retriever(self.store, self.embedder.inner)
        wordpieces = self.embedder.wordpieces()

        def search(question: str, as_of: Any) -> list[str]:
            return [r.text for r in retriever.search(question, "bench", k=10, as_of=as_of)]

        return {
            "chunks": self.store.count("bench"),
            "wordpieces": wordpieces,
            "parts": dict(self.parts),
            **_recall(corpus, search),
        }


def _time_calls(owner: Any, name: str, parts: dict[str, float], part: str) -> None:
    """Add the wall time of every call of ``owner.name`` to ``parts[part]``."""
    inner = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            parts[part] += time.perf_counter() - t0

    setattr(owner, name, timed)


class TutorialRun:
    """LangChain's RAG tutorial indexing: split 1,000/200 characters, ``Chroma.add_documents``."""

    def __init__(self, workdir: Path, dense_wordpieces: int | None = None) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_core.embeddings import Embeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from retrieval.embedder import MiniLMEmbedder

        # 256 wordpieces: the model's configured limit in sentence-transformers and in Chroma's
        # default embedding function, which is what a tutorial user gets.
        self.embedder = timed = TimedEmbedder(MiniLMEmbedder(max_wordpieces=TUTORIAL_WORDPIECES))

        class MiniLM(Embeddings):
            def embed_documents(self, texts: list[str]) -> list[list[float]]:
                return timed.embed(texts).tolist()  # type: ignore[no-any-return]

            def embed_query(self, text: str) -> list[float]:
                return self.embed_documents([text])[0]

        client = chromadb.PersistentClient(
            path=str(workdir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
        )
        self.splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        self.vectorstore = Chroma(client=client, collection_name="tutorial", embedding_function=MiniLM())
        self.texts: list[str] = []

    def ingest(self, articles: list[Any]) -> None:
        from langchain_core.documents import Document

        docs = [
            Document(
                page_content=a.body,
                metadata={"article_id": a.id, "title": a.title, "url": a.url or "", "source": a.source or ""},
            )
            for a in articles
        ]
        splits = self.splitter.split_documents(docs)
        self.vectorstore.add_documents(splits)
        self.texts.extend(d.page_content for d in splits)

    def finish(self, corpus: Path) -> dict[str, Any]:
        wordpieces = sum(min(TUTORIAL_WORDPIECES, self.embedder.count_wordpieces(t)) for t in self.texts)

        def search(question: str, as_of: Any) -> list[str]:  # the tutorial has no notion of dates
            return [d.page_content for d in self.vectorstore.similarity_search(question, k=10)]

        count = self.vectorstore._collection.count()
        return {"chunks": count, "wordpieces": wordpieces, **_recall(corpus, search)}


def child(pipeline: str, corpus: Path, limit: int | None, dense_wordpieces: int | None) -> int:
    """Serve ``START END`` lines (ingest those articles, reply with the time) until ``done``."""
    from retrieval.tokens import encoding

    articles = _articles(corpus, limit)
    with tempfile.TemporaryDirectory(prefix=f"bench-{pipeline}-") as tmp:
        kind = NewsdeskRun if pipeline == "newsdesk" else TutorialRun
        run: NewsdeskRun | TutorialRun = kind(Path(tmp), dense_wordpieces)
        print(json.dumps({"ready": len(articles)}), flush=True)
        wall = 0.0
        for line in sys.stdin:
            if line.strip() == "done":
                break
            lo, hi = (int(x) for x in line.split())
            t0 = time.perf_counter()
            run.ingest(articles[lo:hi])
            took = time.perf_counter() - t0
            wall += took
            print(json.dumps({"seconds": took}), flush=True)
        result = {
            "pipeline": pipeline,
            "articles": len(articles),
            "wall": wall,
            "embed_busy": run.embedder.busy,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "tokens": sum(len(encoding().encode_ordinary(a.body)) for a in articles),
            **run.finish(corpus),
        }
    print(json.dumps(result), flush=True)
    return 0


class Child:
    def __init__(self, pipeline: str, corpus: Path, limit: int | None, dense: int | None) -> None:
        cmd = [sys.executable, __file__, "--child", pipeline, "--corpus", str(corpus)]
        if limit:
            cmd += ["--limit", str(limit)]
        if dense:
            cmd += ["--dense-wordpieces", str(dense)]
        self.proc = subprocess.Popen(  # noqa: S603 -- our own interpreter and script
            cmd,
            env={**os.environ, **CHILD_ENV},
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, line: str) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if line:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        if not reply:
            raise SystemExit(f"child exited with {self.proc.wait()}")
        return json.loads(reply)  # type: ignore[no-any-return]


def _row(r: dict[str, Any]) -> str:
    wall = r["wall"]
    recall = " | ".join(f"{r[k]:.3f}" if k in r else "-" for k in RECALL)
    return (
        f"| {r['pipeline']} | {r['articles']} | {r['chunks']:,} | {r['wordpieces']:,} | {wall:.1f} "
        f"| {r['articles'] / wall:.2f} | {r['chunks'] / wall:.1f} | {r['tokens'] / wall:.0f} "
        f"| {r['peak_rss_mb']:.0f} | {100 * r['embed_busy'] / wall:.1f}% | {recall} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="first N articles only (quick run)")
    parser.add_argument("--slice", type=int, default=96, help="articles per turn")
    parser.add_argument("--out", type=Path, default=None, help="also write the results as JSON here")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument(
        "--dense-wordpieces",
        type=int,
        default=None,
        help="experiment: Newsdesk's chunk vectors from each chunk's first N wordpieces only",
    )
    parser.add_argument("--child", choices=PIPELINES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.corpus, args.limit, args.dense_wordpieces)
    from bench.report import load, machine, write_section

    children = {p: Child(p, args.corpus, args.limit, args.dense_wordpieces) for p in PIPELINES}
    total = min(int(c.ask("")["ready"]) for c in children.values())
    loads = [load()]
    ratios = []
    for turn, lo in enumerate(range(0, total, args.slice)):
        span = f"{lo} {min(lo + args.slice, total)}"
        order = PIPELINES if turn % 2 == 0 else PIPELINES[::-1]
        took = {p: float(children[p].ask(span)["seconds"]) for p in order}
        ratios.append(took["tutorial"] / took["newsdesk"])
        loads.append(load())
        print(f"articles {span}: " + ", ".join(f"{p} {s:.1f} s" for p, s in took.items()), flush=True)
    results = [children[p].ask("done") for p in PIPELINES]
    tutorial, newsdesk = results
    ratio = (newsdesk["articles"] / newsdesk["wall"]) / (tutorial["articles"] / tutorial["wall"])
    from retrieval.embedder import DENSE_WORDPIECES

    command = ".venv/bin/python bench/ingest.py " + " ".join(a for a in sys.argv[1:] if a != "--write")
    lines = [
        "## Ingest throughput against the LangChain tutorial pipeline (`bench/ingest.py`)",
        "",
        f"Machine: {machine()}.",
        "",
        f"Command: `{command}` (children get {', '.join(f'{k}={v}' for k, v in CHILD_ENV.items())}).",
        "",
        f"Both pipelines ingest the same {total} articles in turns of {args.slice} (see the script's "
        "docstring), each in its own child process with a fresh embedded Chroma directory and the same "
        "MiniLM embedder (the tutorial's wrapped as a LangChain `Embeddings`). Tutorial: "
        "RecursiveCharacterTextSplitter 1,000/200 characters, `Chroma.add_documents`. Tokens/s counts "
        "cl100k tokens of the article bodies; wordpieces are what the embedder was fed (after "
        f"truncation: the tutorial's at {TUTORIAL_WORDPIECES}, the model's configured limit in "
        "sentence-transformers and Chroma's default embedding function; Newsdesk's at "
        f"{args.dense_wordpieces or DENSE_WORDPIECES} a window, two windows a chunk, the headline "
        "with the chunk's opening and with its middle, while its BM25 index reads the whole chunk). "
        "Answer recall is score.py's over the dev "
        "questions, from each pipeline's own "
        "top 10 (Newsdesk: its retrieval as of the question date; tutorial: `similarity_search(k=10)`).",
        "",
        "| pipeline | articles | chunks | wordpieces | wall s | articles/s | chunks/s | tokens/s "
        "| peak RSS MB | embedder busy | AR@1 | AR@4 | AR@10 | MRR@10 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(_row(r) for r in results),
        "",
        f"**Newsdesk / tutorial articles/s: {ratio:.2f}x** "
        f"(per turn: median {statistics.median(ratios):.2f}x, "
        f"range {min(ratios):.2f}x to {max(ratios):.2f}x over {len(ratios)} turns).",
        "",
        f"Load average (1/5/15 min) at the start {loads[0]}, at the end {loads[-1]}, highest 1-min "
        f"{max(float(x.split(' / ')[0]) for x in loads):.2f}: other work shared the 2 cores.",
    ]
    parts = newsdesk.get("parts") or {}
    if parts:
        wall = newsdesk["wall"]
        shares = ", ".join(f"{name} {100 * secs / wall:.1f}%" for name, secs in parts.items())
        lines += [
            "",
            f"Newsdesk's wall time besides the embedder ({100 * newsdesk['embed_busy'] / wall:.1f}%): "
            f"{shares} of the wall time; writes run on a writer thread while the next group is "
            "chunked and embedded, so only the waiting for them adds to the wall time. The rest is "
            "parsing and bookkeeping.",
        ]
    body = "\n".join(lines)
    print(body)
    if args.out:
        args.out.write_text(
            json.dumps({"results": results, "ratio": ratio, "turns": ratios}, indent=2) + "\n"
        )
    if args.write:
        write_section("bench-ingest", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
