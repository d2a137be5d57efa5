"""Bad files in a batch: each gives a one-line reason, the good ones still go in."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.newsroom import Newsroom
from ingest.errors import AttachmentTooLarge
from ingest.loaders import articles_from_bytes, sniff
from retrieval.errors import NewsdeskError
from tests.ingest.pages import SCRIPTS_ONLY, article_page

GOOD = "Dam opens on Tuesday\nDATE: 2024-05-21\n\nThe new dam opened on Tuesday, officials said."

BAD_FILES: dict[str, bytes] = {
    "latin1.txt": "Caf\xe9 owners protest\n\nPrices rose again in the caf\xe9s of Lyon.".encode("latin-1"),
    "image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "noise.txt": bytes(range(1, 9)) * 200,
    "empty.txt": b"",
    "blank.md": b"   \n\n\t \n",
    "scripts.html": SCRIPTS_ONLY.encode(),
    "broken.json": b'{"title": "x", "body": ',
    "archive.json": b"PK\x03\x04" + b"\x00" * 64,
    "oneline.txt": b"Headline\n\n" + b"word " * 60_000,
    "only-one-line.txt": b"word " * 60_000,
}
REASONS = {
    "latin1.txt": "not UTF-8",
    "image.txt": "PNG image",
    "noise.txt": "binary data",
    "empty.txt": "empty",
    "blank.md": "empty",
    "scripts.html": "not an article",
    "broken.json": "invalid JSON",
    "archive.json": "ZIP archive",
    "oneline.txt": "too long",
    "only-one-line.txt": "too long",
}


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    folder = tmp_path / "batch"
    folder.mkdir()
    for name, data in BAD_FILES.items():
        (folder / name).write_bytes(data)
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "page-saved-as.txt").write_text(article_page(), encoding="utf-8")
    (folder / "mixed.jsonl").write_text(
        '{"title": "Vote passes", "body": "The bill passed by ten votes on Monday."}\n'
        "not json at all\n"
        '{"title": "No body"}\n'
        '["a list"]\n',
        encoding="utf-8",
    )
    return folder


def test_each_bad_item_gives_one_line_reason_and_the_rest_go_in(newsroom: Newsroom, batch: Path) -> None:
    newsroom.ingestor.max_article_chars = 100_000
    report = newsroom.ingest_sync([str(batch)])
    titles = {a.title for a in report.articles}
    assert titles == {"Dam opens on Tuesday", "Minister resigns over budget row", "Vote passes"}
    by_file = {Path(e["source"].split(".jsonl:")[0]).name: e["error"] for e in report.errors}
    for name, reason in REASONS.items():
        assert reason in by_file[name], (name, by_file.get(name))
    jsonl_errors = [e for e in report.errors if ".jsonl:" in e["source"]]
    assert len(jsonl_errors) == 3
    assert all("\n" not in e["error"] and len(e["error"]) < 300 for e in report.errors)


def test_html_is_recognised_by_content_not_name() -> None:
    [(_, article)] = list(articles_from_bytes(article_page().encode(), "notes.txt"))
    assert not isinstance(article, NewsdeskError)
    assert article.title == "Minister resigns over budget row"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n", "pdf"),
        (b"\xff\xd8\xff\xe0JFIF", "binary:a JPEG image"),
        (b"\x1f\x8b\x08\x00", "binary:gzip-compressed data"),
        (b"\x00\x00\x00\x18ftypmp42", "binary:audio/video or image data"),
        (b"  <!DOCTYPE html><html>", "html"),
        (b"\xef\xbb\xbf<html lang=en>", "html"),
        (b'<?xml version="1.0"?>\n<rss version="2.0">', "feed"),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'>", "feed"),
        (b"Plain headline\n\nBody <b>with</b> a tag.", "text"),
        (b" \n ", "empty"),
        (b"ID3 tags, explained\n\nA headline that happens to start like an MP3.", "text"),
        (b"ID3\x03\x00\x00\x00\x00\x0f", "binary:MP3 audio"),
    ],
)
def test_content_sniffing(data: bytes, kind: str) -> None:
    assert sniff(data) == kind


def test_pdf_text_is_extracted_with_pypdf() -> None:
    pdf = _tiny_pdf("Harbour reopens after storm")
    [(_, article)] = list(articles_from_bytes(pdf, "report.bin"))
    assert not isinstance(article, NewsdeskError), article
    assert "Harbour reopens after storm" in article.title + article.body


def test_broken_pdf_gives_a_reason() -> None:
    [(_, error)] = list(articles_from_bytes(b"%PDF-1.4\n garbage", "broken.pdf"))
    assert isinstance(error, NewsdeskError) and "PDF" in str(error)


def test_feed_given_as_a_file_points_at_feeds_add() -> None:
    [(_, error)] = list(articles_from_bytes(b'<rss version="2.0"><channel/></rss>', "x.xml"))
    assert isinstance(error, NewsdeskError) and "feeds add" in str(error)


def test_attachment_over_the_limit_is_refused(newsroom: Newsroom) -> None:
    newsroom.attachment_max_bytes = 100
    with pytest.raises(AttachmentTooLarge, match="too large"):
        newsroom.ingest_bytes_sync(b"x" * 101, "big.txt")


def test_articles_per_request_are_capped(newsroom: Newsroom) -> None:
    newsroom.max_articles_per_request = 2
    lines = "".join(f'{{"title": "Story {n}", "body": "Body of story {n}."}}\n' for n in range(5))
    report = newsroom.ingest_bytes_sync(lines.encode(), "many.jsonl")
    assert report.articles_added == 2
    assert any("more than 2 articles" in e["error"] for e in report.errors)


def _tiny_pdf(text: str) -> bytes:
    """A one-page PDF with a text layer, written by hand (pypdf reads but does not typeset)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_a_long_single_line_file_is_text_without_a_headline() -> None:
    [(_, article)] = list(articles_from_bytes(b"The council met. " * 40, "one-line.txt"))
    assert not isinstance(article, NewsdeskError), article
    assert len(article.title) <= 120 and article.body.startswith("The council met.")


def test_declared_charset_of_a_download_is_honoured() -> None:
    from ingest.loaders import recode

    latin = "Café owners protest\n\nPrices rose in the cafés of Lyon.".encode("latin-1")
    assert recode(latin, "ISO-8859-1").decode("utf-8").startswith("Café")
    assert recode(latin, None) == latin and recode(latin, "no-such-charset") == latin
    png = b"\x89PNG\r\n\x1a\n\x00\x00"
    assert recode(png, "latin-1") == png
