"""The ``newsdesk`` command line: one sub-command per job (ingest, ask, chat, export, bot, ...)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from bot.cli_doctor import add_doctor_arguments, run_doctor
from bot.cli_eval import add_eval_arguments, cmd_eval
from bot.cli_feeds import add_feeds_arguments, cmd_feeds
from bot.cli_sources import (
    add_export_arguments,
    add_forget_arguments,
    add_period_arguments,
    add_show_arguments,
    add_sources_arguments,
    cmd_export,
    cmd_forget,
    cmd_show,
    cmd_sources,
    namespace_named,
    positive,
)
from bot.feedback import DOWN, UP, Feedback
from bot.followups import Asked, NoSuchSource, asks_for_help, next_turn, source_named
from bot.library import parse_day
from bot.newsroom import Newsroom
from bot.render_text import answer_text, counted, library_summary, report_text
from bot.settings import Settings
from ingest.errors import AttachmentTooLarge
from ingest.pipeline import IngestReport
from retrieval.errors import NewsdeskError
from retrieval.service import Limits

log = logging.getLogger(__name__)


class UsageError(NewsdeskError):
    """Bad command-line input."""


def parse_as_of(value: str | None) -> datetime | None:
    """A date means the end of that day (UTC); a full timestamp is taken as is."""
    return parse_day(value, "--as-of", end_of_day=True)


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    """``--since``, ``--until``, ``--outlet`` and ``--article``: where ``ask`` and ``chat`` look."""
    add_period_arguments(parser)
    parser.add_argument("--outlet", metavar="NAME", help="only articles from this outlet (see `sources`)")
    parser.add_argument("--article", metavar="KEY", help="only this article (its id or URL, see `sources`)")


def limits_of(args: argparse.Namespace) -> Limits | None:
    """The ``--since``/``--until``/``--outlet``/``--article`` limits of an ``ask``, if any."""
    limits = Limits(
        since=parse_day(args.since, "--since"),
        until=parse_day(args.until, "--until", end_of_day=True),
        outlet=args.outlet,
        article=args.article,
    )
    return limits or None


# What ``--format`` calls each format, as the file name suffix that selects it.
STDIN_FORMATS = {"text": ".txt", "markdown": ".md", "json": ".json", "jsonl": ".jsonl", "html": ".html"}


def _read_stdin(args: argparse.Namespace, room: Newsroom) -> IngestReport:
    """``newsdesk ingest -``: one document from standard input, in ``--format`` (default text)."""
    if len(args.sources) > 1:
        raise UsageError("'-' reads standard input and cannot be combined with other sources")
    limit = room.attachment_max_bytes
    data = sys.stdin.buffer.read(limit + 1)  # never more than one byte past the limit
    if len(data) > limit:
        raise AttachmentTooLarge(f"standard input: too large (over {limit:,} bytes)")
    return room.ingest_bytes_sync(data, "stdin" + STDIN_FORMATS[args.format or "text"], args.namespace)


def _with_progress(
    label: str, quiet: bool, work: Callable[[Callable[[int], None] | None], IngestReport]
) -> IngestReport:
    """Run ``work(progress)`` with a progress bar on an interactive terminal (none for JSON output)."""
    if quiet or not sys.stderr.isatty():
        return work(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    columns = (SpinnerColumn(), TextColumn(label), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(label, total=None)
        return work(lambda n: bar.advance(task, n))


def cmd_ingest(args: argparse.Namespace, room: Newsroom, out: TextIO) -> int:
    if "-" in args.sources:
        report = _read_stdin(args, room)
    elif args.format:
        raise UsageError("--format is for standard input (-); files are read by their name and content")
    else:
        report = _with_progress(
            "ingesting", args.json, lambda progress: room.ingest_sync(args.sources, args.namespace, progress)
        )
    if args.json:
        out.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    else:
        out.write(report_text(report) + "\n")
    # like cp or rsync: what could be read is stored, and a source that failed fails the command,
    # so a script or a cron job notices it
    return 1 if report.errors else 0


def cmd_ask(args: argparse.Namespace, room: Newsroom, out: TextIO) -> int:
    if args.questions:
        return _ask_batch(args, room, out)
    if not args.question:
        raise UsageError("ask needs a QUESTION or --questions FILE.jsonl")
    if not args.article:
        _no_source_named(args.question)
    with namespace_named(args.article or "", args.namespace):  # an --article that is not there
        answer = room.ask_sync(
            args.question, args.namespace, k=args.k, as_of=parse_as_of(args.as_of), limits=limits_of(args)
        )
    if args.json:
        out.write(json.dumps(answer.to_dict(), ensure_ascii=False) + "\n")
    else:
        out.write(answer_text(answer) + "\n")
    return 0


def _no_source_named(question: str) -> None:
    """``ask`` keeps no answer between runs, so "summarize [2]" has no source [2] to take."""
    named = source_named(question)
    if named is None:
        return
    try:
        next_turn(question, None)
    except NoSuchSource:
        raise NewsdeskError(
            f"`newsdesk ask` keeps no earlier answer to take source [{named[0]}] from: "
            "ask it in `newsdesk chat`, or ask of that article alone with --article and the link "
            "listed under the source"
        ) from None


def _ask_batch(args: argparse.Namespace, room: Newsroom, out: TextIO) -> int:
    path = Path(args.questions)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    limits = limits_of(args)  # the same for every line
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row: dict[str, Any] = {"id": None}
        try:
            query = json.loads(line)
            row["id"] = query.get("id")
            as_of = parse_as_of(query.get("as_of") or args.as_of)
            answer = room.ask_sync(
                str(query["question"]), args.namespace, k=args.k, as_of=as_of, limits=limits
            )
            row.update(answer.to_dict())
        except (json.JSONDecodeError, KeyError, AttributeError, TypeError):
            row["error"] = f"line {number}: expected a JSON object with 'question'"
        except NewsdeskError as exc:
            row["error"] = f"line {number}: {exc}"
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.flush()
    return 0


CHAT_HELP = """\
Ask about the ingested news; every claim is quoted from an article and cited [n].
  when did they meet?      continues the question before it
  summarize [2]            asks the last answer's source [2] alone (or: what does [2] say about the cost?)
  what's new?              the newest stories
  timeline of the strike   a story's articles, oldest first
  how did the outlets cover the strike?   each outlet's best article on it
An empty line or Ctrl-D quits."""


HISTORY_LENGTH = 1000  # questions ``chat`` keeps for the arrow keys, across sessions


@contextmanager
def line_editing(history: Path) -> Iterator[None]:
    """Line editing and the arrow keys' history for ``input()`` (readline, where Python has it),
    the history kept in ``history`` from one ``chat`` to the next. A history file that cannot be
    read or written only means starting afresh."""
    try:
        import readline  # only for a person at a terminal; absent on Windows
    except ImportError:
        yield
        return
    readline.set_history_length(HISTORY_LENGTH)
    with suppress(OSError):
        readline.read_history_file(history)
    try:
        yield
    finally:
        with suppress(OSError):
            history.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(history)


def cmd_chat(args: argparse.Namespace, room: Newsroom, out: TextIO) -> int:
    """Ask questions one after another; at a terminal, with line editing and history."""
    interactive = sys.stdin.isatty()
    with line_editing(args.settings.data_dir / "chat_history") if interactive else nullcontext():
        return _chat(args, room, out)


def _chat(args: argparse.Namespace, room: Newsroom, out: TextIO) -> int:
    out.write(
        'Ask about the ingested news; a question like "when did he meet them?" continues the one '
        'before it. "help" lists what else to try; an empty line or Ctrl-D quits.\n'
    )
    previous: Asked | None = None  # the last answer, which a follow-up continues
    limits = limits_of(args) or Limits()  # the same for every question
    while True:
        try:
            question = " ".join(input("? ").split())
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return 0
        if not question or question in (":q", "quit", "exit"):
            return 0
        if asks_for_help(question) or question == "?":
            out.write(CHAT_HELP + "\n\n")
            continue
        try:
            turn = next_turn(question, previous)
            if turn.continues:
                out.write(f"({turn.taken_as(turn.continues)})\n")
            asked = limits
            if turn.article and not limits.article:  # "summarize [2]": that article alone
                asked = replace(limits, article=turn.article)
            answer = room.ask_sync(turn.query, args.namespace, k=args.k, limits=asked or None)
        except NewsdeskError as exc:
            out.write(f"error: {exc}\n\n")
            continue
        out.write(answer_text(answer) + "\n\n")
        previous = Asked.of(turn, answer)


def cmd_feedback(args: argparse.Namespace, votes: Feedback, out: TextIO) -> int:
    """List the answers members rated with 👍 or 👎 in Discord, the most voted down first."""
    if args.namespace is not None and not args.namespace.isdigit():
        print(f"error: {args.namespace!r} is not a server id (votes come from Discord)", file=sys.stderr)
        return 1
    rated = votes.rated(int(args.namespace) if args.namespace else None, args.limit)
    if args.json:
        rows = [{**asdict(r), "last": r.last.isoformat(), "link": r.link} for r in rated]
        out.write(json.dumps(rows, ensure_ascii=False) + "\n")
        return 0
    if not rated:
        out.write(f"no votes yet: members react {UP} or {DOWN} to the bot's answers in Discord\n")
        return 0
    for r in rated:
        out.write(f"{DOWN} {r.down}  {UP} {r.up}  {r.last:%Y-%m-%d}  {' '.join(r.question.split())}\n")
        out.write(f"    {r.link}\n")
    return 0


def cmd_rechunk(args: argparse.Namespace, room: Newsroom, out: TextIO) -> int:
    before = room.store.count(args.namespace)
    report = _with_progress(
        "re-chunking", args.json, lambda progress: room.rechunk_sync(args.namespace, progress)
    )
    after = room.store.count(args.namespace)
    if args.json:
        out.write(json.dumps({**report.to_dict(), "chunks_before": before, "chunks_after": after}) + "\n")
    else:
        out.write(
            f"Re-chunked {counted(report.articles_updated, 'article')} of {args.namespace} into chunks "
            f"of up to {room.ingestor.max_tokens} tokens: {before:,} chunks before, {after:,} now "
            f"({report.seconds:.1f} s).\n"
        )
        out.writelines(f"  error: {e['source']}: {e['error']}\n" for e in report.errors)
    return 1 if report.errors else 0


def cmd_stats(args: argparse.Namespace, room: Newsroom, out: TextIO) -> int:
    stats = room.stats_sync(args.namespace)
    if args.json:
        out.write(json.dumps(stats) + "\n")
        return 0
    out.write(f"store: {stats['store']}\n")
    if not stats["namespaces"]:
        out.write("no articles yet\n")
    for ns, row in stats["namespaces"].items():
        out.write(f"{ns}: {library_summary(row, 'chunk')}\n")
    return 0


def cmd_bot(args: argparse.Namespace, room: Newsroom, out: TextIO) -> int:
    from bot.discord_app import run_bot  # discord.py loads only for the bot

    return run_bot(args.settings, room)


Handler = Callable[[argparse.Namespace, Newsroom, TextIO], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdesk",
        description="Answer questions about ingested news articles, citing the text for every claim.",
        epilog="Start with: newsdesk ingest PATH_OR_URL, then newsdesk ask QUESTION. "
        "Settings come from NEWSDESK_* environment variables or .env (see .env.example).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = add("ingest", cmd_ingest, "Ingest files, folders (recursive), .jsonl files and URLs.")
    p.add_argument("sources", nargs="+", metavar="PATH_OR_URL", help="or - for standard input")
    p.add_argument("--namespace", default="default")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--format",
        choices=sorted(STDIN_FORMATS),
        help="what standard input (-) holds: text by default; HTML and PDF are also recognised by content",
    )

    p = add("ask", cmd_ask, "Answer a question from the ingested articles, with citations.")
    p.add_argument("question", nargs="?")
    p.add_argument("--namespace", default="default")
    p.add_argument("--k", type=int, default=None, help="chunks to retrieve")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--questions", metavar="FILE.jsonl", help="answer each {id, question, as_of?} line, as JSON lines"
    )
    p.add_argument("--as-of", dest="as_of", metavar="DATE", help="the moment of asking (default: now)")
    add_limit_arguments(p)

    p = add("chat", cmd_chat, "Ask questions interactively (the limits apply to every question).")
    p.add_argument("--namespace", default="default")
    p.add_argument("--k", type=int, default=None)
    add_limit_arguments(p)

    p = add("stats", cmd_stats, "Articles and chunks per namespace.")
    p.add_argument("--namespace", default=None)
    p.add_argument("--json", action="store_true")

    p = add(
        "rechunk",
        cmd_rechunk,
        "Cut a namespace's stored articles again with the current chunk size (after changing it).",
    )
    p.add_argument("--namespace", default="default")
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    p = add(
        "sources",
        cmd_sources,
        "List a namespace's articles, newest first, or those matching QUERY or published in a period.",
    )
    add_sources_arguments(p)

    p = add("show", cmd_show, "Print one article (by id or URL) in full, as stored.")
    add_show_arguments(p)

    p = add("forget", cmd_forget, "Remove one article (by id or URL) and all its passages.")
    add_forget_arguments(p)

    p = add(
        "export",
        cmd_export,
        "Write a namespace's articles as JSON lines that `ingest` reads back (a backup, or a move "
        "to another store).",
    )
    add_export_arguments(p)

    add("bot", cmd_bot, "Run the Discord bot (token from DISCORD_TOKEN).")

    p = add("eval", cmd_eval, "Measure retrieval and answer quality on a question set (RealTime QA format).")
    add_eval_arguments(p)

    p = add("feeds", cmd_feeds, "Subscribe to RSS/Atom feeds and poll them into a namespace.")
    add_feeds_arguments(p)

    # Reads the votes file alone: no store or model to load.
    p = sub.add_parser("feedback", help="The bot's answers Discord members voted on, most voted down first.")
    p.set_defaults(handler=None)
    p.add_argument("--namespace", default=None, help="one server's (its id, as `stats` lists it)")
    p.add_argument("--limit", type=positive, default=20, metavar="N", help="list at most N (default 20)")
    p.add_argument("--json", action="store_true")

    # Runs without building the Newsroom: its job is to say what would stop that from working.
    p = sub.add_parser("doctor", help="Check the store, embedder, chat model and Discord settings.")
    p.set_defaults(handler=None)
    add_doctor_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = settings or Settings()
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper(), logging.INFO)
        if args.command == "bot"
        else max(logging.WARNING, getattr(logging, settings.log_level.upper(), logging.WARNING)),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command == "bot" and settings.discord_token is None:
        print("error: DISCORD_TOKEN is not set (environment or .env)", file=sys.stderr)
        return 2
    args.settings = settings
    if args.command == "doctor":
        return run_doctor(args, settings, sys.stdout)
    if args.command == "feedback":
        return cmd_feedback(args, Feedback.in_folder(settings.data_dir), sys.stdout)
    try:
        room = Newsroom.from_settings(settings)
        return int(args.handler(args, room, sys.stdout))
    except NewsdeskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
