"""`newsdesk rechunk` on the command line."""

from __future__ import annotations

import json
from collections.abc import Callable

from bot.newsroom import Newsroom
from tests.ingest.test_rechunk import _long_story


def test_rechunk_on_the_command_line(newsroom: Newsroom, run: Callable[..., tuple[int, str, str]]) -> None:
    newsroom.ingestor.max_tokens, newsroom.ingestor.overlap_tokens = 40, 8
    newsroom.ingestor.ingest_items([("a", _long_story())])
    newsroom.ingestor.max_tokens = 512

    code, out, err = run("rechunk", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["articles_updated"] == 1
    assert (report["chunks_before"], report["chunks_after"]) == (8, 1)

    code, out, _ = run("rechunk")
    assert code == 0
    assert out.startswith("Re-chunked 1 article of default into chunks of up to 512 tokens: 1 chunks")

    code, out, _ = run("rechunk", "--namespace", "empty")
    assert code == 0 and "Re-chunked 0 articles of empty" in out
