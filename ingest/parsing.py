"""Parse text, Markdown and JSON/JSONL content into :class:`Article` objects."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from ingest.errors import ParseError
from retrieval.models import Article
from retrieval.urls import canonical_url

# Runs of spaces that may include non-breaking and other Unicode spaces.
_SPACES = r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]"
_INLINE_DATE = re.compile(rf"^(?P<title>.*?){_SPACES}{{2,}}DATE:{_SPACES}*(?P<date>\S.*?){_SPACES}*$")
_HEADER = re.compile(rf"^(?P<key>DATE|SOURCE|URL|AUTHOR|OUTLET):{_SPACES}*(?P<value>.*?){_SPACES}*$", re.I)
_FRONT_MATTER = re.compile(r"\A---\s*\n(?P<meta>.*?)\n---\s*\n", re.S)
_MD_TITLE = re.compile(r"^#\s+(?P<title>.+?)\s*#*\s*$", re.M)
MAX_TITLE_CHARS = 300
_BODY_KEYS = ("body", "text", "content")
_DATE_KEYS = ("published_at", "date", "published", "pubDate")


def parse_date(value: str | None) -> datetime | None:
    """Parse ISO-like dates (``2024-05-17 20:35:05``, ``2024-05-17``, ``...Z``); naive means UTC."""
    if not value or not str(value).strip():
        return None
    text = str(value).strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        match = re.match(r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?", text)
        if not match:
            raise ParseError(f"unreadable date {value!r} (expected YYYY-MM-DD[ HH:MM:SS])") from None
        try:
            moment = datetime.fromisoformat(" ".join(p for p in match.groups() if p))
        except ValueError:  # 2024-13-45: the shape of a date, not a date
            raise ParseError(f"unreadable date {value!r} (no such day or time)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# C0 and C1 control characters but tab and line feed (carriage returns become line feeds first)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    return _CONTROL.sub("", text)


def make_article(
    title: str,
    body: str,
    *,
    url: str | None = None,
    published_at: datetime | None = None,
    source: str | None = None,
    article_id: str | None = None,
) -> Article:
    """Build an article with a deterministic id: the given id, else the canonical URL, else the text.

    Control characters are dropped from the title, body and outlet (line breaks kept): a stored
    quote is shown in terminals and Discord as it is, and an escape sequence in an article must
    not reach either.
    """
    title = " ".join(_printable(title).split())
    body = _printable(body)
    if source:
        source = " ".join(_printable(source).split()) or None
    if len(title) > MAX_TITLE_CHARS:  # a whole paragraph on the first line is no headline
        title = title[:MAX_TITLE_CHARS].rsplit(" ", 1)[0]
    body = body.strip()
    if not body:
        raise ParseError("empty article body")
    if not title:
        title = body.split("\n", 1)[0][:120]
    url = canonical_url(url) if url else None
    if article_id:
        clean = re.sub(r"[^A-Za-z0-9._:-]+", "-", str(article_id).strip())[:100].strip("-")
        if not clean:
            raise ParseError(f"unusable article id {article_id!r}")
        ident = clean
    elif url:
        ident = "u-" + hashlib.sha256(url.encode()).hexdigest()[:16]
    else:
        ident = "c-" + hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()[:16]
    return Article(id=ident, title=title, body=body, published_at=published_at, url=url, source=source)


def parse_text(text: str, source: str | None = None) -> Article:
    """The plain-text format: a title line (optionally ``... DATE: ...`` after a run of spaces),
    optional ``DATE:``/``SOURCE:``/``URL:`` lines, a blank line, then the body."""
    lines = text.lstrip("\ufeff").splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise ParseError("empty file")
    meta: dict[str, str] = {}
    first = lines.pop(0)
    inline = _INLINE_DATE.match(first)
    if inline:
        title, meta["date"] = inline.group("title"), inline.group("date")
    else:
        title = first
    while lines:
        header = _HEADER.match(lines[0])
        if not header:
            break
        meta[header.group("key").lower()] = header.group("value")
        lines.pop(0)
    body = "\n".join(lines)
    if not body.strip() and len(title) > MAX_TITLE_CHARS:  # one long line: text without a headline
        title, body = "", title
    named = meta.get("source", "")
    url = meta.get("url") or (named if named.startswith("http") else None)
    # An outlet named on the SOURCE line ("Harbour Gazette") beats the link's host, as in the
    # Markdown and JSON formats.
    outlet = meta.get("outlet") or (named if named and not named.startswith("http") else None)
    return make_article(
        title.strip(),
        body,
        url=url,
        published_at=parse_date(meta.get("date")),
        source=outlet or _outlet(url) or source,
    )


def parse_markdown(text: str, source: str | None = None) -> Article:
    """Markdown: optional ``---`` front matter (title, date, url, source), a ``# Title`` heading."""
    meta: dict[str, str] = {}
    front = _FRONT_MATTER.match(text)
    if front:
        for line in front.group("meta").splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip().strip("\"'")
        text = text[front.end() :]
    heading = _MD_TITLE.search(text)
    title = meta.get("title", "")
    if heading and (not title or heading.start() == len(text) - len(text.lstrip())):
        title = title or heading.group("title")
        text = text[: heading.start()] + text[heading.end() :]
    if not title:
        return parse_text(text, source)
    url = meta.get("url") or meta.get("link")
    body_lines = text.strip().splitlines()
    while body_lines and _HEADER.match(body_lines[0]):
        header = _HEADER.match(body_lines.pop(0))
        assert header is not None  # noqa: S101 -- matched just above
        meta.setdefault(header.group("key").lower(), header.group("value"))
    return make_article(
        title,
        "\n".join(body_lines),
        url=url or meta.get("url"),
        published_at=parse_date(meta.get("date") or meta.get("published_at")),
        source=meta.get("source") or _outlet(url) or source,
    )


def article_from_record(record: Mapping[str, Any], source: str | None = None) -> Article:
    """A JSON object with ``title``, ``body``/``text``/``content``, and optional ``url``,
    ``published_at``/``date``, ``source``, ``id``."""
    if not isinstance(record, Mapping):
        raise ParseError("expected a JSON object with title and body")
    body = next((record[k] for k in _BODY_KEYS if isinstance(record.get(k), str) and record[k].strip()), None)
    if body is None:
        raise ParseError("no 'body', 'text' or 'content' field")
    date = next((record[k] for k in _DATE_KEYS if record.get(k)), None)
    url = record.get("url") or record.get("link")
    return make_article(
        str(record.get("title") or ""),
        body,
        url=str(url) if url else None,
        published_at=parse_date(str(date)) if date else None,
        source=str(record.get("source") or "") or _outlet(url) or source,
        article_id=str(record["id"]) if record.get("id") else None,
    )


def parse_json(text: str, source: str | None = None) -> list[Article]:
    """A JSON object or an array of objects."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    records = data if isinstance(data, list) else [data]
    return [article_from_record(r, source) for r in records]


def iter_jsonl(text: str, source: str | None = None) -> Iterator[tuple[int, Article | ParseError]]:
    """Yield ``(line_number, article or error)`` for each non-blank line, so one bad line is
    reported while the others go in."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            yield number, article_from_record(record, source)
        except json.JSONDecodeError as exc:
            yield number, ParseError(f"line {number}: invalid JSON ({exc.msg})")
        except ParseError as exc:
            yield number, ParseError(f"line {number}: {exc}")


def _outlet(url: object) -> str | None:
    if not isinstance(url, str) or "://" not in url:
        return None
    host = re.sub(r"^www\.", "", url.split("://", 1)[1].split("/", 1)[0].lower())
    return host or None
