"""``newsdesk feeds add URL | list | remove URL | poll``: subscriptions polled into a namespace."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from bot.newsroom import Newsroom
from bot.render_text import counted
from ingest.feeds import FeedPoller, feed_origin
from ingest.fetch import check_url
from ingest.subscriptions import Feed, FeedNotFound
from retrieval.errors import NewsdeskError


class FeedsUnavailable(NewsdeskError):
    """This newsroom was built without feed support."""


def add_feeds_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``feeds`` sub-commands."""
    sub = parser.add_subparsers(dest="feeds_command", required=True)
    p = sub.add_parser("add", help="subscribe a namespace to an RSS/Atom feed (checked by fetching it)")
    p.add_argument("url")
    p.add_argument("--namespace", default="default")
    p.add_argument("--no-check", dest="verify", action="store_false", help="do not fetch it now")
    p = sub.add_parser("list", help="subscribed feeds and their state")
    p.add_argument("--namespace", default=None)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("remove", help="unsubscribe (ingested articles stay, unless --forget)")
    p.add_argument("url")
    p.add_argument("--namespace", default="default")
    p.add_argument("--forget", action="store_true", help="also remove the articles the feed added")
    p = sub.add_parser("poll", help="poll due feeds now and ingest their new entries")
    p.add_argument("--namespace", default=None)
    p.add_argument("--all", action="store_true", help="poll every feed, due or not")
    p.add_argument("--json", action="store_true")


def cmd_feeds(args: argparse.Namespace, room: Newsroom, out: TextIO) -> int:
    """Run one ``feeds`` sub-command."""
    poller = _poller(room)
    command = args.feeds_command
    if command == "add":
        feed = poller.subscribe(args.url, args.namespace, verify=args.verify)
        out.write(
            f"subscribed {feed.namespace} to {feed.url}" + (f" ({feed.title})" if feed.title else "") + "\n"
        )
        return 0
    if command == "remove":
        try:
            stored = poller.unsubscribe(args.url, args.namespace)
        except FeedNotFound as exc:
            wanted = {args.url, _normalised(args.url)}
            elsewhere = sorted({f.namespace for f in poller.registry.feeds() if f.url in wanted})
            if not elsewhere:
                raise
            hint = f" (followed in {', '.join(elsewhere)}: pass --namespace {elsewhere[0]})"
            raise FeedNotFound(f"{exc}{hint}") from None
        removed = ""
        if args.forget:
            copies, broken = room.forget_added_by_sync(feed_origin(stored), args.namespace)
            removed = f" and removed the {counted(len(copies) + len(broken), 'article')} it added"
        out.write(f"unsubscribed {args.namespace} from {args.url}{removed}\n")
        return 0
    if command == "list":
        feeds = poller.registry.feeds(args.namespace)
        if args.json:
            out.write(json.dumps([_feed_dict(f) for f in feeds]) + "\n")
        elif not feeds:
            out.write("no feeds\n")
        for feed in [] if args.json else feeds:
            state = f"failing ({feed.failures}x: {feed.last_error})" if feed.failures else "ok"
            out.write(
                f"{feed.namespace}\t{feed.url}\t{feed.title or '-'}\t{state}"
                f"\tnext {feed.next_poll_at:%Y-%m-%d %H:%M}Z\n"
            )
        return 0
    if args.all:
        feeds = poller.registry.feeds(args.namespace)
        results = [poller.poll(feed) for feed in feeds]
    else:
        results = poller.poll_due(namespace=args.namespace)
    if args.json:
        rows = [
            {
                "feed": r.feed.url,
                "namespace": r.feed.namespace,
                "added": [{"title": t, "url": u} for t, u in r.added],
                "errors": r.errors,
                "error": r.error,
            }
            for r in results
        ]
        out.write(json.dumps(rows, ensure_ascii=False) + "\n")
    else:
        if not results:
            out.write("no feed is due\n")
        for r in results:
            if r.error:
                out.write(f"{r.feed.url}: failed ({r.error}); next try {r.next_poll_at:%Y-%m-%d %H:%M}Z\n")
                continue
            out.write(f"{r.feed.url}: {len(r.added)} new, {len(r.errors)} skipped\n")
            for title, _ in r.added:
                out.write(f"  new: {title}\n")
            for error in r.errors:
                out.write(f"  error: {error['error']}\n")
    return 1 if results and all(r.error for r in results) else 0


def _poller(room: Newsroom) -> FeedPoller:
    if room.feeds is None:
        raise FeedsUnavailable("feeds are not configured")
    return room.feeds


def _feed_dict(feed: Feed) -> dict[str, object]:
    return {
        "namespace": feed.namespace,
        "url": feed.url,
        "title": feed.title,
        "failures": feed.failures,
        "last_error": feed.last_error,
        "next_poll_at": feed.next_poll_at.isoformat(),
        "last_polled_at": feed.last_polled_at.isoformat() if feed.last_polled_at else None,
    }


def _normalised(url: str) -> str:
    """``url`` as a subscription stores it (as given when it cannot be checked)."""
    try:
        return str(check_url(url))
    except NewsdeskError:
        return url
