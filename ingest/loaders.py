"""Turn files and folders into articles, choosing the parser from the name and the content."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from ingest.errors import IngestError, ParseError, UnsupportedSource
from ingest.fetch import Fetcher
from ingest.parsing import iter_jsonl, make_article, parse_json, parse_markdown, parse_text
from retrieval.models import Article

TEXT_SUFFIXES = frozenset(
    {".txt", ".text", ".md", ".markdown", ".json", ".jsonl", ".ndjson", ".html", ".htm", ".pdf"}
)
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_PDF_MAX_PAGES = 300
# Signatures of binary formats, so they are refused by content whatever the file is called.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG", "binary:a PNG image"),
    (b"\xff\xd8\xff", "binary:a JPEG image"),
    (b"GIF87a", "binary:a GIF image"),
    (b"GIF89a", "binary:a GIF image"),
    (b"RIFF", "binary:audio/video or image data"),
    (b"PK\x03\x04", "binary:a ZIP archive or Office document"),
    (b"\x1f\x8b", "binary:gzip-compressed data"),
    (b"BZh", "binary:bzip2-compressed data"),
    (b"\xfd7zXZ", "binary:xz-compressed data"),
    (b"7z\xbc\xaf", "binary:a 7-Zip archive"),
    (b"Rar!", "binary:a RAR archive"),
    (b"\x7fELF", "binary:an executable"),
    (b"\xd0\xcf\x11\xe0", "binary:an old Office document"),
    (b"SQLite format 3", "binary:an SQLite database"),
    (b"OggS", "binary:audio/video data"),
    (b"ID3", "binary:MP3 audio"),
    (b"wOFF", "binary:a font"),
    (b"wOF2", "binary:a font"),
)

# (origin, article or the error for that item)
Item = tuple[str, Article | IngestError]


def decode_text(data: bytes, name: str) -> str:
    """Strict UTF-8 (BOM allowed); binary data and other encodings are refused with a reason."""
    if b"\x00" in data[:4096]:
        raise ParseError(f"{name}: binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{name}: not UTF-8 text (bad byte at offset {exc.start})") from None


def articles_from_bytes(
    data: bytes, name: str, *, media_type: str | None = None, url: str | None = None
) -> Iterator[Item]:
    """Parse one file's or download's content, chosen by what the bytes are, then by name.

    PDF and HTML are recognised by content (an HTML page saved as ``.txt`` still goes to the
    HTML extractor); binary data is refused whatever its name; JSON, JSONL and Markdown are
    chosen by name; anything else is the plain-text format.

    Args:
        data: The raw bytes.
        name: File name or URL; labels errors and picks JSON/JSONL/Markdown by suffix.
        media_type: The HTTP ``Content-Type`` media type, for downloads.
        url: Final URL of a download (the article's link unless the page names a canonical one).
    """
    suffix = Path(urlsplit(name).path if url else name).suffix.lower()
    label = Path(name).name if not url else name
    try:
        kind = sniff(data)
        if kind == "empty":
            raise ParseError(f"{name}: empty file")
        if kind == "pdf":
            yield (name, article_from_pdf(data, name, url=url))
            return
        if kind.startswith("binary"):
            raise ParseError(f"{name}: {kind.removeprefix('binary:')}, not text")
        if kind == "feed":
            raise UnsupportedSource(f"{name}: an RSS/Atom feed; subscribe to it with 'feeds add'")
        if kind == "html" or (media_type or "") in _HTML_TYPES or suffix in (".html", ".htm"):
            from ingest.html import article_from_html

            yield (name, article_from_html(data, url, label=name))
            return
        text = decode_text(data, name)
        if not text.strip():
            raise ParseError(f"{name}: empty file")
        if suffix in (".jsonl", ".ndjson") or media_type in ("application/x-ndjson", "application/jsonl"):
            for line, item in iter_jsonl(text, source=label):
                yield (f"{name}:{line}", item)
            return
        if suffix == ".json" or media_type == "application/json":
            for article in parse_json(text, source=label):
                yield (name, article)
            return
        if suffix in (".md", ".markdown") or media_type == "text/markdown":
            yield (name, parse_markdown(text, source=label))
            return
        yield (name, parse_text(text, source=label))
    except IngestError as exc:
        message = str(exc)
        error = exc if message.startswith(name) else ParseError(f"{name}: {message}")
        yield (name, error)
    except RecursionError:  # deeply nested JSON
        yield (name, ParseError(f"{name}: nested too deeply to parse"))


def sniff(data: bytes) -> str:
    """What the bytes are: ``empty``, ``pdf``, ``html``, ``feed``, ``text`` or ``binary:<what>``."""
    head = data[:8192]
    if not head.strip():
        return "empty"
    for magic, what in _MAGIC:
        # An all-ASCII signature ("ID3", "BZh") could start a headline: binary bytes must follow.
        ascii_only = magic.isascii() and head[:64].isascii() and b"\x00" not in head
        if head.startswith(magic) and (what == "pdf" or not ascii_only):
            return what
    if head[4:8] == b"ftyp":
        return "binary:audio/video or image data"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary:binary data (or UTF-16 text: save it as UTF-8)"
    if b"\x00" in head:
        return "binary:binary data"
    controls = sum(1 for b in head if b < 9 or (13 < b < 32 and b != 27))
    if controls > max(2, len(head) // 100):
        return "binary:binary data"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"<?xml"):
        start = start[start.find(b"?>") + 2 :].lstrip() if b"?>" in start else start
    while start.startswith(b"<!--") and b"-->" in start:
        start = start[start.find(b"-->") + 3 :].lstrip()
    if start.startswith((b"<rss", b"<feed", b"<rdf:rdf")):
        return "feed"
    if start.startswith((b"<!doctype html", b"<html")) or (
        start.startswith(b"<") and any(tag in start[:2048] for tag in (b"<head", b"<body", b"<title"))
    ):
        return "html"
    return "text"


def article_from_pdf(data: bytes, name: str, url: str | None = None) -> Article:
    """Text of a PDF (pypdf), title from its metadata or first line.

    Raises:
        ParseError: Encrypted, unreadable or without text (a scan).
    """
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ParseError(f"{name}: encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages[:_PDF_MAX_PAGES]]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises many types on malformed files
        raise ParseError(f"{name}: unreadable PDF ({type(exc).__name__})") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise ParseError(f"{name}: the PDF has no text layer (a scan?)")
    first, _, rest = text.partition("\n")
    title = str(meta_title).strip() or first.strip()[:200]
    body = text if meta_title else (rest.strip() or text)
    return make_article(title, body, url=url, source=Path(name).name if not url else None)


def recode(data: bytes, charset: str | None) -> bytes:
    """Text a server declared in another charset (``Content-Type: ...; charset=``), as UTF-8.

    Binary data and PDFs pass unchanged, as do undeclared or unknown charsets (HTML then has its
    encoding detected by the extractor; plain text must be UTF-8).
    """
    if not charset or charset.lower().replace("_", "-") in ("utf-8", "utf8", "us-ascii", "ascii"):
        return data
    if sniff(data) not in ("text", "html", "feed"):
        return data
    try:
        return data.decode(charset, errors="replace").encode("utf-8")
    except LookupError:
        return data


def limit_items(items: Iterable[Item], max_articles: int, origin: str) -> Iterator[Item]:
    """Pass at most ``max_articles`` articles; say once that the rest were left out."""
    count = 0
    for item in items:
        if not isinstance(item[1], IngestError):
            count += 1
            if count > max_articles:
                reason = f"{origin}: more than {max_articles} articles; the rest were skipped"
                yield (origin, IngestError(reason))
                return
        yield item


class UrlLoader:
    """The ingestor's ``url_loader``: fetch safely, then parse what came back.

    Args:
        fetcher: The SSRF-safe fetcher (its limits apply).
        max_articles: Most articles one URL may yield (a JSONL URL could hold thousands).
    """

    def __init__(self, fetcher: Fetcher, max_articles: int = 100) -> None:
        self.fetcher = fetcher
        self.max_articles = max_articles

    def __call__(self, url: str) -> Iterator[Item]:
        try:
            fetched = self.fetcher.fetch_sync(url)
        except IngestError as exc:
            yield (url, exc)
            return
        body = recode(fetched.body, fetched.charset)
        items = articles_from_bytes(body, url, media_type=fetched.media_type, url=fetched.url)
        yield from limit_items(items, self.max_articles, url)


def iter_path(path: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Iterator[Item]:
    """Articles of a file, or of every text file under a folder (recursively, in name order)."""
    if not path.exists():
        yield (str(path), UnsupportedSource(f"{path}: no such file or folder"))
        return
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES and not p.name.startswith(".")
        )
        for file in files:
            yield from iter_path(file, max_bytes)
        return
    size = path.stat().st_size
    if size > max_bytes:
        yield (str(path), IngestError(f"{path}: too large ({size:,} bytes; limit {max_bytes:,})"))
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield (str(path), IngestError(f"{path}: cannot read ({exc.strerror})"))
        return
    yield from articles_from_bytes(data, str(path))
