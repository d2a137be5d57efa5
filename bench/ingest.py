"""Ingest throughput: Newsdesk's Ingestor against the LangChain tutorial pipeline, same run.

Both pipelines read the same articles, embed with the same offline MiniLM (the tutorial's side
wraps it as a LangChain ``Embeddings``) and write into a fresh embedded Chroma directory. Each runs
in its own child process so its peak RSS is its own; both children get the same thread settings.

    .venv/bin/python bench/ingest.py [--limit N] [--corpus PATH] [--out FILE.json]

The tutorial pipeline is the one from LangChain's RAG tutorial: RecursiveCharacterTextSplitter
(chunk_size=1000, chunk_overlap=200) over each article body, then ``Chroma.add_documents``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
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


class TimedEmbedder:
    """Wraps an embedder and adds up the wall time spent inside ``embed``."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.busy = 0.0
        self.texts = 0
        self.wordpieces = 0

    def embed(self, texts: Any) -> Any:
        t0 = time.perf_counter()
        out = self.inner.embed(texts)
        self.busy += time.perf_counter() - t0
        self.texts += len(texts)
        return out

    def count_wordpieces(self, text: str) -> int:
        return int(self.inner.count_wordpieces(text))


def _articles(corpus: Path, limit: int | None) -> list[Any]:
    from ingest.parsing import iter_jsonl

    text = corpus.read_text(encoding="utf-8")
    out = [a for _, a in iter_jsonl(text, source=str(corpus)) if not isinstance(a, Exception)]
    return out[:limit] if limit else out


def _tokens(articles: list[Any]) -> int:
    from retrieval.tokens import encoding

    enc = encoding()
    return sum(len(enc.encode_ordinary(a.body)) for a in articles)


def run_newsdesk(articles: list[Any], workdir: Path) -> dict[str, Any]:
    from ingest.pipeline import Ingestor
    from retrieval.embedder import MiniLMEmbedder
    from retrieval.store import ChromaStore, embedded_client

    embedder = TimedEmbedder(MiniLMEmbedder())
    store = ChromaStore(embedded_client(workdir / "chroma"), embedder.name, label="bench")
    ingestor = Ingestor(store, embedder)
    items = [("bench", a) for a in articles]
    t0 = time.perf_counter()
    report = ingestor.ingest_items(items, "bench")
    wall = time.perf_counter() - t0
    assert not report.errors and report.articles_added == len(articles), report.to_dict()["errors"][:3]
    return {"wall": wall, "chunks": store.count("bench"), "embed_busy": embedder.busy}


def run_tutorial(articles: list[Any], workdir: Path) -> dict[str, Any]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from retrieval.embedder import MiniLMEmbedder

    timed = TimedEmbedder(MiniLMEmbedder())

    class MiniLM(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return timed.embed(texts).tolist()  # type: ignore[no-any-return]

        def embed_query(self, text: str) -> list[float]:
            return self.embed_documents([text])[0]

    client = chromadb.PersistentClient(
        path=str(workdir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    t0 = time.perf_counter()
    docs = [
        Document(
            page_content=a.body,
            metadata={"article_id": a.id, "title": a.title, "url": a.url or "", "source": a.source or ""},
        )
        for a in articles
    ]
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    splits = splitter.split_documents(docs)
    vectorstore = Chroma(client=client, collection_name="tutorial", embedding_function=MiniLM())
    vectorstore.add_documents(splits)
    wall = time.perf_counter() - t0
    return {"wall": wall, "chunks": vectorstore._collection.count(), "embed_busy": timed.busy}


def child(pipeline: str, corpus: Path, limit: int | None) -> dict[str, Any]:
    articles = _articles(corpus, limit)
    with tempfile.TemporaryDirectory(prefix=f"bench-{pipeline}-") as tmp:
        run = run_newsdesk if pipeline == "newsdesk" else run_tutorial
        result = run(articles, Path(tmp))
    result.update(
        pipeline=pipeline,
        articles=len(articles),
        tokens=_tokens(articles),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    return result


def _spawn(pipeline: str, corpus: Path, limit: int | None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", pipeline, "--corpus", str(corpus)]
    if limit:
        cmd += ["--limit", str(limit)]
    load_before = os.getloadavg()
    done = subprocess.run(  # noqa: S603 -- our own interpreter and script
        cmd, env={**os.environ, **CHILD_ENV}, capture_output=True, text=True, check=False, cwd=ROOT
    )
    if done.returncode != 0:
        raise SystemExit(f"{pipeline} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["loadavg_before"] = [round(x, 2) for x in load_before]
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def _row(r: dict[str, Any]) -> str:
    wall = r["wall"]
    return (
        f"| {r['pipeline']} | {r['articles']} | {r['chunks']} | {wall:.1f} | {r['articles'] / wall:.2f} "
        f"| {r['chunks'] / wall:.1f} | {r['tokens'] / wall:.0f} | {r['peak_rss_mb']:.0f} "
        f"| {100 * r['embed_busy'] / wall:.1f}% |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="first N articles only (quick run)")
    parser.add_argument("--out", type=Path, default=None, help="also write the results as JSON here")
    parser.add_argument("--child", choices=["newsdesk", "tutorial"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.corpus, args.limit)))
        return 0
    results = [_spawn(p, args.corpus, args.limit) for p in ("tutorial", "newsdesk")]
    tutorial, newsdesk = results
    ratio = (newsdesk["articles"] / newsdesk["wall"]) / (tutorial["articles"] / tutorial["wall"])
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, env {CHILD_ENV}")
    print(
        "| pipeline | articles | chunks | wall s | articles/s | chunks/s | tokens/s "
        "| peak RSS MB | embedder busy |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(_row(r))
    print(f"\nNewsdesk / tutorial articles/s: {ratio:.2f}x")
    for r in results:
        print(f"{r['pipeline']}: load average before {r['loadavg_before']}, after {r['loadavg_after']}")
    if args.out:
        args.out.write_text(json.dumps({"results": results, "ratio": ratio}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
