"""Turn files and folders into articles, choosing the parser from the name and the content."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingest.errors import IngestError, ParseError, UnsupportedSource
from ingest.parsing import iter_jsonl, parse_json, parse_markdown, parse_text
from retrieval.models import Article

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".json", ".jsonl", ".ndjson"})
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024

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


def articles_from_bytes(data: bytes, name: str) -> Iterator[Item]:
    """Parse one file's content; ``name`` picks the format and labels errors."""
    suffix = Path(name).suffix.lower()
    label = Path(name).name
    try:
        text = decode_text(data, name)
        if not text.strip():
            raise ParseError(f"{name}: empty file")
        if suffix in (".jsonl", ".ndjson"):
            for line, item in iter_jsonl(text, source=label):
                yield (f"{name}:{line}", item)
            return
        if suffix == ".json":
            for article in parse_json(text, source=label):
                yield (name, article)
            return
        if suffix in (".md", ".markdown"):
            yield (name, parse_markdown(text, source=label))
            return
        yield (name, parse_text(text, source=label))
    except IngestError as exc:
        message = str(exc)
        yield (name, ParseError(message if message.startswith(name) else f"{name}: {message}"))


def iter_path(path: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Iterator[Item]:
    """Articles of a file, or of every text file under a folder (recursively, in name order)."""
    if not path.exists():
        yield (str(path), UnsupportedSource(f"{path}: no such file or folder"))
        return
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*")
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
