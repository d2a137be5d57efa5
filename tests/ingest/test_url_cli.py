"""``newsdesk ingest URL`` and ``newsdesk feeds``: refusals without the opt-in, ingestion with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot.cli import main
from bot.settings import Settings
from retrieval.embedder import MiniLMEmbedder
from tests.ingest.pages import article_page, rss

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(
    tmp_path: Path,
    embedder: MiniLMEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    """Run the CLI in-process on a tmp data dir; settings read NEWSDESK_ALLOW_PRIVATE_URLS from the env."""
    monkeypatch.setattr("bot.newsroom.MiniLMEmbedder", lambda threads=None: embedder)
    monkeypatch.delenv("NEWSDESK_ALLOW_PRIVATE_URLS", raising=False)

    def invoke(*argv: str) -> tuple[int, str, str]:
        settings = Settings(_env_file=None, data_dir=tmp_path / "data", fetch_timeout=5)  # type: ignore[call-arg]
        code = main(list(argv), settings)
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:{port}/story", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[::1]:{port}/", "loopback"),
        ("file:///etc/passwd", "only http and https"),
    ],
)
def test_private_and_local_urls_are_refused_by_default(
    run: Run, httpserver: HTTPServer, url: str, reason: str
) -> None:
    httpserver.expect_request("/story").respond_with_data(article_page(), content_type="text/html")
    code, out, _ = run("ingest", url.format(port=httpserver.port), "--json")
    report = json.loads(out)
    assert code != 0
    assert report["articles_added"] == 0 and reason in report["errors"][0]["error"]
    assert httpserver.log == []


def test_article_page_is_ingested_with_title_and_date_when_private_urls_are_allowed(
    run: Run, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSDESK_ALLOW_PRIVATE_URLS", "true")
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/story"})
    httpserver.expect_request("/story").respond_with_data(article_page(), content_type="text/html")
    code, out, _ = run("ingest", httpserver.url_for("/old"), "--json")
    report = json.loads(out)
    assert code == 0, report
    [article] = report["articles"]
    assert article["title"] == "Minister resigns over budget row"
    assert article["published_at"] == "2024-05-17T20:35:05+00:00"
    assert article["url"].endswith("/story")


def _one_story_feed(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """A feed of one entry whose page is an article, on loopback (allowed for the test)."""
    monkeypatch.setenv("NEWSDESK_ALLOW_PRIVATE_URLS", "true")
    feed = rss([("1", "Minister resigns", httpserver.url_for("/story"), "teaser")])
    httpserver.expect_request("/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    httpserver.expect_request("/story").respond_with_data(article_page(), content_type="text/html")
    return httpserver.url_for("/feed.xml")


def test_feed_is_subscribed_polled_and_ingested_once(
    run: Run, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _one_story_feed(httpserver, monkeypatch)
    assert run("feeds", "add", url, "--namespace", "desk")[0] == 0
    code, out, _ = run("feeds", "list", "--json")
    assert code == 0 and [f["url"] for f in json.loads(out)] == [url]
    code, out, _ = run("feeds", "poll", "--json")
    assert code == 0 and [a["title"] for a in json.loads(out)[0]["added"]] == [
        "Minister resigns over budget row"
    ]
    code, out, _ = run("feeds", "poll", "--all", "--json")
    assert code == 0 and json.loads(out)[0]["added"] == []
    code, _, err = run("feeds", "remove", url)  # followed in "desk", not in "default"
    assert code == 1 and err == f"error: no feed {url} in default (followed in desk: pass --namespace desk)\n"
    assert run("feeds", "remove", url, "--namespace", "desk")[0] == 0
    code, _, err = run("feeds", "remove", url, "--namespace", "desk")
    assert code != 0 and err == f"error: no feed {url} in desk\n"
    code, out, _ = run("sources", "--namespace", "desk", "--json")
    assert [a["added_by"] for a in json.loads(out)] == [f"feed:{url}"]  # its article stayed


def test_a_feed_removed_with_forget_takes_its_articles_along(
    run: Run, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = _one_story_feed(httpserver, monkeypatch)
    own = tmp_path / "own.txt"
    own.write_text("Harbour board meets\nDATE: 2024-05-01\n\nThe harbour board met on Monday.\n", "utf-8")
    assert run("ingest", str(own))[0] == 0  # an article of the library's own, not the feed's
    assert run("feeds", "add", url)[0] == 0
    assert run("feeds", "poll")[0] == 0
    code, out, _ = run("feeds", "remove", url, "--forget")
    assert code == 0 and out == f"unsubscribed default from {url} and removed the 1 article it added\n"
    code, out, _ = run("sources", "--json")
    assert [a["title"] for a in json.loads(out)] == ["Harbour board meets"]


def test_feeds_add_refuses_a_page_that_is_not_a_feed(
    run: Run, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSDESK_ALLOW_PRIVATE_URLS", "true")
    httpserver.expect_request("/story").respond_with_data(article_page(), content_type="text/html")
    code, _, err = run("feeds", "add", httpserver.url_for("/story"))
    assert code != 0 and "not an RSS or Atom feed" in err


def test_the_installed_command_refuses_local_urls(tmp_path: Path) -> None:
    """The real entry point, as a user runs it: every refusal has a reason and the exit code is 1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env["NEWSDESK_DATA_DIR"] = str(tmp_path / "data")
    urls = ["http://127.0.0.1:9/", "http://169.254.169.254/latest", "http://[::1]/", "file:///etc/passwd"]
    done = subprocess.run(  # noqa: S603 -- fixed argv: this interpreter and literal URLs
        [sys.executable, "-m", "bot.cli", "ingest", *urls, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    errors = [e["error"] for e in json.loads(done.stdout)["errors"]]
    assert len(errors) == 4 and all(("refused" in e or "only http" in e) for e in errors)
