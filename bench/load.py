"""50 concurrent ``/ask`` questions through the real Discord front end, against the loopback fake.

    .venv/bin/python bench/load.py [--questions 50] [--articles 200] [--write]

The bot is the real ``NewsdeskBot`` (discord.py) connected to ``tests/bot/fake_discord.py`` on
127.0.0.1; nothing leaves loopback. The guild's namespace holds the first ``--articles`` dev
articles; ``--questions`` dev questions (each from its own user) are pushed as INTERACTION_CREATE
events at once. Per interaction: the acknowledgement time (push to the interaction callback) and
the answer time (push to the first follow-up message). Nothing may be lost: each interaction must
get exactly one callback and an answer (one follow-up message, or several when the answer is longer
than a Discord message).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(ROOT)  # a script's own folder first on sys.path would shadow packages

import discord  # noqa: E402 -- after the path fix

from bench.report import load, machine, write_section  # noqa: E402
from bot.discord_app import NewsdeskBot  # noqa: E402
from bot.newsroom import Newsroom  # noqa: E402
from bot.settings import Settings  # noqa: E402
from ingest.parsing import iter_jsonl  # noqa: E402
from retrieval.evaluation import percentile  # noqa: E402
from retrieval.models import Article  # noqa: E402
from tests.bot.fake_discord import FakeDiscord  # noqa: E402

DEV = ROOT.parent / "shared" / "eval" / "rtqa" / "dev"
ACK_LIMIT = 3.0


async def run(n_questions: int, n_articles: int, data_dir: Path) -> dict[str, Any]:
    fake = FakeDiscord()
    await fake.start()
    discord.http.Route.BASE = fake.rest_base  # type: ignore[misc]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = fake.gateway_url
    guild = fake.add_guild("Loadtown")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=data_dir, ask_cooldown_seconds=0, guild_ids=[guild.id]
    )
    room = Newsroom.from_settings(settings)
    corpus = (DEV / "corpus.jsonl").read_text(encoding="utf-8")
    articles = [a for _, a in iter_jsonl(corpus) if isinstance(a, Article)][:n_articles]
    room.ingestor.ingest_items([("dev", a) for a in articles], str(guild.id))
    lines = (DEV / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(x)["question"] for x in lines if x.strip()][:n_questions]

    bot = NewsdeskBot(settings, room, guild_ready_timeout=0.05)
    task = asyncio.create_task(bot.start("fake-token.for-the-loopback-fake.never-valid"))
    for _ in range(3000):
        if bot.is_ready() or task.done():
            break
        await asyncio.sleep(0.01)
    if task.done():
        task.result()
    assert bot.is_ready(), "the bot did not become ready against the fake"
    room.ask_sync(questions[0], str(guild.id))  # build the lexical index outside the timed part
    room.asker.retriever.lexical.flush()  # and let the index cache it scheduled be written

    load_before = load()
    t0 = time.monotonic()
    ids = await asyncio.gather(
        *(
            fake.slash("ask", {"question": q}, guild=guild, user=fake.user(f"reader{i}"))
            for i, q in enumerate(questions)
        )
    )

    def all_answered() -> bool:
        return all(fake.followups(i) for i in ids)

    with contextlib.suppress(TimeoutError):
        await fake.wait_for(all_answered, seconds=300)
    t1 = time.monotonic()
    acks, answers, lost, late = [], [], 0, 0
    for i in ids:
        callbacks, followups = fake.callbacks(i), fake.followups(i)
        # A long answer arrives as several messages (Discord's 2,000 characters), all with text.
        if len(callbacks) != 1 or not followups or not all(f.payload.get("content") for f in followups):
            lost += 1
            shapes = [sorted(f.payload) for f in followups]
            print(f"lost: {len(callbacks)} callbacks, follow-ups {shapes}", file=sys.stderr)
            continue
        ack = callbacks[0].at - fake.pushed_at[i]
        acks.append(ack)
        late += ack > ACK_LIMIT
        answers.append(followups[0].at - fake.pushed_at[i])
    last = max((fake.followups(i)[0].at for i in ids if fake.followups(i)), default=t1)
    await bot.close()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    await fake.stop()
    return {
        "questions": len(ids),
        "chunks": room.store.count(str(guild.id)),
        "lost": lost,
        "acked_late": late,
        "ack_p50": percentile(acks, 50),
        "ack_p95": percentile(acks, 95),
        "ack_max": max(acks, default=0.0),
        "answer_p50": percentile(answers, 50),
        "answer_p95": percentile(answers, 95),
        "answer_max": max(answers, default=0.0),
        "wall": last - t0,
        "throughput": len(answers) / (last - t0) if last > t0 else 0.0,
        "load_before": load_before,
        "load_after": load(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        r = asyncio.run(run(args.questions, args.articles, Path(tmp)))
    print(json.dumps(r))
    command = "OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/load.py " + " ".join(sys.argv[1:])
    body = "\n".join(
        [
            "## Concurrent questions through Discord (`bench/load.py`)",
            "",
            f"Machine: {machine()}.",
            "",
            f"Command: `{command}`",
            "",
            f"{r['questions']} `/ask` interactions pushed at once by the loopback fake of Discord to the "
            f"real bot; the guild holds {r['chunks']:,} chunks of the first {args.articles} dev articles. "
            f"Load average (1/5/15 min) before {r['load_before']}, after {r['load_after']}.",
            "",
            "| questions | lost | acknowledged after 3 s | ack p50 / p95 / max s "
            "| answer p50 / p95 / max s | wall s | answers/s |",
            "|---:|---:|---:|---|---|---:|---:|",
            f"| {r['questions']} | {r['lost']} | {r['acked_late']} "
            f"| {r['ack_p50']:.3f} / {r['ack_p95']:.3f} / {r['ack_max']:.3f} "
            f"| {r['answer_p50']:.2f} / {r['answer_p95']:.2f} / {r['answer_max']:.2f} "
            f"| {r['wall']:.1f} | {r['throughput']:.1f} |",
        ]
    )
    print(body)
    if args.write:
        write_section("bench-load", body)
    return 0 if r["lost"] == 0 and r["acked_late"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
