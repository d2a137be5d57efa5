"""``newsdesk sources [QUERY]`` lists a namespace's articles, ``newsdesk forget KEY`` removes one and
``newsdesk export`` writes them all out in a form ``newsdesk ingest`` reads back."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from bot.library import export_lines, export_record, matching, parse_day, published_day, selection_label
from bot.newsroom import Newsroom
from bot.render_text import added_line, article_line, counted
from retrieval.errors import ArticleNotFound, NewsdeskError
from retrieval.models import Article
from retrieval.store import ArticleSummary


def positive(value: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
    return number


def add_period_arguments(parser: argparse.ArgumentParser) -> None:
    """``--since`` and ``--until`` (read with :func:`bot.library.parse_day`)."""
    parser.add_argument(
        "--since", metavar="DATE", help="only articles published on or after DATE (a day, YYYY-MM or YYYY)"
    )
    parser.add_argument(
        "--until", metavar="DATE", help="only articles published on or before DATE (a day, YYYY-MM or YYYY)"
    )


def add_sources_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``sources`` options."""
    parser.add_argument("query", nargs="?", metavar="QUERY", help="words every listed article contains")
    parser.add_argument("--namespace", default="default")
    add_period_arguments(parser)
    parser.add_argument("--added-by", metavar="WHO", help=f"only the articles WHO added, {ADDED_BY_HELP}")
    parser.add_argument("--limit", type=positive, default=None, metavar="N", help="list at most N")
    parser.add_argument("--json", action="store_true", help="print the articles as a JSON list")


ADDED_BY_HELP = "as `sources --json` shows it: discord:<member id> or feed:<feed url>"


def add_forget_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``forget`` options."""
    parser.add_argument(
        "key",
        nargs="?",
        metavar="KEY",
        help="the article's id (the first column of `sources`) or its URL (`sources --json`)",
    )
    parser.add_argument(
        "--added-by", metavar="WHO", help=f"instead of KEY, every article WHO added, {ADDED_BY_HELP}"
    )
    parser.add_argument(
        "--out",
        metavar="FILE.jsonl",
        help="with --added-by: first write what is removed there, in the format `ingest` reads back",
    )
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--json", action="store_true", help="print the removed articles as JSON")


def article_dict(article: ArticleSummary) -> dict[str, Any]:
    """The JSON shape of an article in ``sources --json`` and ``forget --json``."""
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "chunks": article.chunks,
        **provenance(article),
    }


def provenance(article: ArticleSummary | Article) -> dict[str, Any]:
    """When the article was stored and by whom, for the JSON of ``sources``, ``forget`` and ``show``."""
    return {
        "ingested_at": article.ingested_at.isoformat() if article.ingested_at else None,
        "added_by": article.added_by,
    }


def add_show_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``show`` options."""
    parser.add_argument(
        "key", metavar="KEY", help="the article's id (the first column of `sources`) or its URL"
    )
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--json", action="store_true", help="print it as one JSON line of the ingest format")


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``export`` options."""
    parser.add_argument("--namespace", default="default")
    parser.add_argument(
        "--out",
        metavar="FILE.jsonl",
        help="write to FILE instead of standard output (replaced whole when done)",
    )


def cmd_sources(args: argparse.Namespace, room: Newsroom, out: TextIO) -> int:
    """List the namespace's articles, newest first, optionally only those matching QUERY."""
    since = parse_day(args.since, "--since")
    until = parse_day(args.until, "--until", end_of_day=True)
    articles = room.articles_sync(args.namespace)
    found = matching(articles, args.query, since, until, args.added_by)
    label = selection_label(args.query, args.since, args.until, args.added_by)
    shown = found[: args.limit] if args.limit else found
    if args.json:
        out.write(json.dumps([article_dict(a) for a in shown], ensure_ascii=False) + "\n")
        return 0
    if not articles:
        out.write(f"no articles in namespace {args.namespace}\n")
        return 0
    if label:
        out.write(f"{len(found)} of {counted(len(articles), 'article')} {label}\n")
    else:
        out.write(f"{counted(len(articles), 'article')} in namespace {args.namespace}\n")
    for article in shown:
        out.write(article_line(article) + "\n")
    if len(shown) < len(found):
        out.write(f"…and {len(found) - len(shown)} more (raise --limit to see them).\n")
    return 0


@contextmanager
def namespace_named(key: str, namespace: str) -> Iterator[None]:
    """The service says "no article … here", which means nothing in a terminal: name the namespace."""
    try:
        yield
    except ArticleNotFound:
        raise ArticleNotFound(f"no article {key!r} in namespace {namespace}") from None


def cmd_forget(args: argparse.Namespace, room: Newsroom, out: TextIO) -> int:
    """Remove one article (by id or URL) and all its passages from the namespace, or every article
    ``--added-by`` someone (a copy first written to ``--out`` when given)."""
    if (args.key is None) == (args.added_by is None):
        raise NewsdeskError("give either KEY (one article) or --added-by WHO (all they added)")
    if args.out and not args.added_by:
        raise NewsdeskError("--out goes with --added-by (`newsdesk show KEY --json` copies one article)")
    if args.added_by:
        return _forget_added_by(args, room, out)
    with namespace_named(args.key, args.namespace):
        gone = room.forget_sync(args.key, args.namespace)
    if args.json:
        out.write(json.dumps(article_dict(gone), ensure_ascii=False) + "\n")
    else:
        out.write(f"Forgot “{' '.join(gone.title.split())}” ({counted(gone.chunks, 'passage')} removed).\n")
    return 0


def _forget_added_by(args: argparse.Namespace, room: Newsroom, out: TextIO) -> int:
    def keep(copies: list[Article]) -> None:
        if args.out and copies:
            write_whole(Path(args.out), export_lines(copies))

    copies, broken = room.forget_added_by_sync(args.added_by, args.namespace, keep)
    if not copies and not broken:
        raise NewsdeskError(f"no article in namespace {args.namespace} was added by {args.added_by!r}")
    if args.json:
        rows = [{**export_record(a), **provenance(a)} for a in copies]
        out.write(json.dumps(rows, ensure_ascii=False) + "\n")
        return 0
    count = counted(len(copies) + len(broken), "article")
    copy = f"; a copy is in {args.out}" if args.out and copies else ""
    out.write(f"Forgot the {count} {args.added_by} added in namespace {args.namespace}{copy}.\n")
    for article_id in broken:
        out.write(f"  {article_id}: its chunks were incomplete, so it is not in the copy\n")
    return 0


def write_whole(path: Path, lines: Sequence[str]) -> None:
    """Write ``lines`` to ``path``, replacing it only once all are written."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.writelines(lines)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise NewsdeskError(f"{path}: cannot write ({exc.strerror})") from None


def cmd_show(args: argparse.Namespace, room: Newsroom, out: TextIO) -> int:
    """Print one article: headline, outlet and date, link, then its full text as stored."""
    with namespace_named(args.key, args.namespace):
        article = room.article_sync(args.key, args.namespace)
    if args.json:
        row = {**export_record(article), **provenance(article)}  # the ingest format, and its origin
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return 0
    lines = [article.title, ", ".join(b for b in (article.source, published_day(article)) if b)]
    if article.url:
        lines.append(article.url)
    if added := added_line(article):
        lines.append(f"({added})")
    out.write("\n".join([*lines, "", article.body]) + "\n")
    return 0


def cmd_export(args: argparse.Namespace, room: Newsroom, out: TextIO) -> int:
    """Write every article of the namespace as a JSON line, oldest first; the count goes to stderr.

    A library that came in through Discord attachments or feeds has no copy but the store: this is
    its backup, and the way to move it to another store (``newsdesk ingest FILE --namespace NS``
    there, for example on a Chroma server). Bodies are rebuilt from the stored chunks.
    """
    articles, broken = room.export_sync(args.namespace)
    if not articles and not broken:
        raise NewsdeskError(f"no articles in namespace {args.namespace}")
    lines = export_lines(articles)
    if args.out:
        write_whole(Path(args.out), lines)
    else:
        out.writelines(lines)
    where = f" to {args.out}" if args.out else ""
    print(f"Exported {counted(len(articles), 'article')} of {args.namespace}{where}.", file=sys.stderr)
    for article_id in broken:
        print(f"  error: {args.namespace}/{article_id}: chunks missing; not exported", file=sys.stderr)
    return 1 if broken else 0
