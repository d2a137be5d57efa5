"""Answer-quality metrics, defined exactly as the RealTime QA ``score.py`` defines them.

``score`` takes the same three inputs as ``score.py`` (queries, outputs, corpus records) and returns
the same numbers under the same keys; ``run`` produces the outputs by asking every question as of
its ``question_date`` and adds abstentions and latency.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as dtime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from retrieval.models import Answer

Record = Mapping[str, Any]
AskFn = Callable[[str, datetime | None], Answer]


def wsnorm(text: str | None) -> str:
    """Collapse whitespace runs to one space and strip."""
    return re.sub(r"\s+", " ", text or "").strip()


def answer_regex(answer: str, substring: bool = False) -> re.Pattern[str]:
    """The gold answer as a case-insensitive pattern, with word boundaries at alphanumeric edges."""
    pattern = re.escape(wsnorm(answer).lower()).replace(r"\ ", r"\s+")
    if substring:
        return re.compile(pattern, re.I)
    pre = r"(?<!\w)" if re.match(r"\w", answer.strip()) else ""
    post = r"(?!\w)" if re.search(r"\w$", answer.strip()) else ""
    return re.compile(pre + pattern + post, re.I)


def norm_url(url: str) -> str:
    """A URL normalised the way ``score.py`` matches cited URLs to corpus articles."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower()
    if host.startswith("www."):
        host = host[4:]
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in ("ref", "fbclid", "gclid", "cmpid", "smid")
    ]
    return urlunsplit(("https", host, parts.path.rstrip("/") or "/", urlencode(query), ""))


def _resolve(ref: Record, url2id: Mapping[str, str]) -> str | None:
    if ref.get("article_id"):
        return str(ref["article_id"])
    if ref.get("url"):
        return url2id.get(norm_url(str(ref["url"])))
    return None


def score(
    queries: Sequence[Record], outputs: Iterable[Record], corpus: Iterable[Record], substring: bool = False
) -> dict[str, Any]:
    """Answer recall@1/4/10, MRR@10, article recall@10, answer accuracy and citation metrics.

    Args:
        queries: ``{"id", "answer", "answer_article_ids"}`` records.
        outputs: ``{"id", "answer", "citations": [{"article_id"|"url", "quote"}],
            "retrieved": [{"article_id"|"url", "text"}]}`` records, retrieved best first.
        corpus: ``{"id", "url", "body"}`` records.
        substring: Match gold answers as plain substrings instead of whole words.
    """
    corpus = list(corpus)
    bodies = {a["id"]: wsnorm(a["body"]) for a in corpus}
    url2id = {norm_url(a["url"]): a["id"] for a in corpus}
    outs = {o["id"]: o for o in outputs}
    n = len(queries)
    metrics: dict[str, Any] = {"n_queries": n, "n_outputs": sum(1 for q in queries if q["id"] in outs)}
    hits = {1: 0, 4: 0, 10: 0}
    rr = 0.0
    art10 = acc = cited = n_cit = n_cit_ok = all_ok = 0
    for q in queries:
        o = outs.get(q["id"], {})
        rx = answer_regex(q["answer"], substring)
        ret = (o.get("retrieved") or [])[:10]
        first = None
        for i, r in enumerate(ret):
            text = r.get("text")
            if text is None:
                text = bodies.get(_resolve(r, url2id) or "", "")
            if rx.search(wsnorm(text)):
                first = i
                break
        for k in hits:
            if first is not None and first < k:
                hits[k] += 1
        if first is not None:
            rr += 1.0 / (first + 1)
        gold = set(q.get("answer_article_ids") or [])
        if any((_resolve(r, url2id) or "") in gold for r in ret):
            art10 += 1
        if rx.search(wsnorm(o.get("answer") or "")):
            acc += 1
        cits = o.get("citations") or []
        if cits:
            cited += 1
            oks = []
            for c in cits:
                body = bodies.get(_resolve(c, url2id) or "", "")
                quote = wsnorm(c.get("quote") or "")
                oks.append(bool(body) and bool(quote) and quote in body)
            n_cit += len(oks)
            n_cit_ok += sum(oks)
            all_ok += all(oks)
    d = max(n, 1)
    metrics.update(
        {
            "ans_recall@1": hits[1] / d,
            "ans_recall@4": hits[4] / d,
            "ans_recall@10": hits[10] / d,
            "mrr@10": rr / d,
            "article_recall@10": art10 / d,
            "answer_accuracy": acc / d,
            "cited_share": cited / d,
            "citation_validity": (n_cit_ok / n_cit) if n_cit else None,
            "answers_all_citations_valid": (all_ok / cited) if cited else None,
            "n_citations": n_cit,
        }
    )
    return metrics


def as_of_for(query: Record) -> datetime | None:
    """The moment a query was asked: the end of its ``question_date`` (UTC), or its ``as_of``."""
    value = query.get("as_of") or query.get("question_date")
    if not value:
        return None
    text = str(value).strip()
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), dtime(23, 59, 59), tzinfo=UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def output_record(query_id: str, answer: Answer, known_ids: set[str]) -> dict[str, Any]:
    """An answer in ``score.py``'s output format (article ids the corpus knows, else URLs)."""

    def ref(article_id: str, url: str | None) -> dict[str, Any]:
        return {"article_id": article_id} if article_id in known_ids or not url else {"url": url}

    return {
        "id": query_id,
        "answer": answer.text,
        "mode": answer.mode,
        "citations": [{**ref(c.article_id, c.url), "quote": c.quote} for c in answer.citations],
        "retrieved": [{**ref(r.article_id, r.url), "text": r.text} for r in answer.retrieved],
    }


@dataclass(frozen=True, slots=True)
class EvalRun:
    """Outputs of one evaluation run, its metrics and per-question latencies (ms)."""

    outputs: list[dict[str, Any]]
    metrics: dict[str, Any]
    latencies_ms: list[float]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def run(
    ask: AskFn,
    queries: Sequence[Record],
    corpus: Sequence[Record],
    progress: Callable[[int], None] | None = None,
) -> EvalRun:
    """Ask every query as of its date, then score the answers.

    Args:
        ask: ``ask(question, as_of) -> Answer``.
        queries: The evaluation queries.
        corpus: The corpus records (for citation validity and article recall).
        progress: Called with the number of questions answered so far.
    """
    known = {str(a["id"]) for a in corpus}
    outputs = []
    latencies = []
    for i, q in enumerate(queries, start=1):
        t0 = time.perf_counter()
        answer = ask(str(q["question"]), as_of_for(q))
        latencies.append((time.perf_counter() - t0) * 1000)
        outputs.append(output_record(str(q["id"]), answer, known))
        if progress:
            progress(i)
    metrics = score(queries, outputs, corpus)
    metrics["abstentions"] = sum(o["mode"] in ("abstain", "empty") for o in outputs)
    metrics["latency_p50_ms"] = percentile(latencies, 50)
    metrics["latency_p95_ms"] = percentile(latencies, 95)
    return EvalRun(outputs, metrics, latencies)


COLUMNS = (
    ("ans_recall@1", "AR@1"),
    ("ans_recall@4", "AR@4"),
    ("ans_recall@10", "AR@10"),
    ("mrr@10", "MRR@10"),
    ("article_recall@10", "ArtR@10"),
    ("answer_accuracy", "AnsAcc"),
    ("citation_validity", "CiteValid"),
    ("cited_share", "Cited"),
    ("abstentions", "Abstain"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
)


def table(metrics: Mapping[str, Any]) -> str:
    """The metrics as a two-line text table."""

    def fmt(v: Any) -> str:
        return "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))

    head = " ".join(f"{short:>9}" for _, short in COLUMNS)
    row = " ".join(f"{fmt(metrics.get(key)):>9}" for key, _ in COLUMNS)
    return f"{'n':>5} {head}\n{metrics.get('n_queries', 0):>5} {row}"
