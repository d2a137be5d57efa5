"""``newsdesk sources`` and ``newsdesk forget``: the terminal's view of a namespace's library."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

ARTICLES = Path(__file__).resolve().parent / "articles"
VANCE_URL = "https://courier.example/vance-guild"
LIBRARY_URL = "https://courier.example/floating-library"
VANCE_TITLE = "Admiral Vance meets the Lighthouse Guild in Port Halden"
LIBRARY_TITLE = "Harbour council approves a floating library"


def url_id(url: str) -> str:
    """The stable id ingest gives an article with a URL."""
    return "u-" + hashlib.sha256(url.encode()).hexdigest()[:16]


VANCE_ID = url_id(VANCE_URL)
LIBRARY_ID = url_id(LIBRARY_URL)


@pytest.fixture
def two_articles(run):
    """The floating library (2025-02-11) and Admiral Vance (2025-03-04) in namespace ``default``."""
    paths = [str(ARTICLES / name) for name in ("floating-library.txt", "vance-lighthouse-guild.txt")]
    code, out, _ = run("ingest", *paths, "--json")
    assert code == 0 and json.loads(out)["articles_added"] == 2


def listed(run, *argv: str) -> list[dict]:
    code, out, err = run("sources", "--json", *argv)
    assert (code, err) == (0, "")
    return json.loads(out)


def chunk_total(run) -> int:
    code, out, _ = run("stats", "--json")
    assert code == 0
    return sum(row["chunks"] for row in json.loads(out)["namespaces"].values())


def cited_ids(run, question: str) -> set[str]:
    code, out, _ = run("ask", question, "--json")
    assert code == 0
    return {c["article_id"] for c in json.loads(out)["citations"]}


def test_sources_lists_every_article_newest_first_with_id_date_title_and_chunks(run, two_articles):
    code, out, err = run("sources")
    lines = out.splitlines()
    assert (code, err) == (0, "")
    assert lines[0] == "2 articles in namespace default"
    assert len(lines) == 3
    vance, library = lines[1], lines[2]
    assert vance.startswith(f"{VANCE_ID}  2025-03-04  ") and VANCE_TITLE in vance
    assert library.startswith(f"{LIBRARY_ID}  2025-02-11  ") and LIBRARY_TITLE in library
    chunks = {a["id"]: a["chunks"] for a in listed(run)}
    for line, article_id in ((vance, VANCE_ID), (library, LIBRARY_ID)):
        n = chunks[article_id]
        assert line.endswith(f"({n} chunk{'s' if n != 1 else ''})")


def test_undated_article_says_so_and_sorts_after_dated_ones(run, two_articles, tmp_path):
    undated = tmp_path / "undated.txt"
    undated.write_text(
        "Ferry timetable changes for winter\nURL: https://post.example/ferry\n\nThe ferry runs hourly.\n",
        encoding="utf-8",
    )
    assert run("ingest", str(undated))[0] == 0
    code, out, _ = run("sources")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "3 articles in namespace default"
    assert lines[3].startswith(f"{url_id('https://post.example/ferry')}  undated  ")
    assert "Ferry timetable changes for winter" in lines[3]
    assert listed(run)[2]["published_at"] is None


def test_sources_query_keeps_articles_containing_every_word(run, two_articles):
    code, out, _ = run("sources", "library")
    assert code == 0
    assert out.splitlines()[0] == "1 of 2 articles matching “library”"
    assert LIBRARY_ID in out and VANCE_ID not in out
    code, out, _ = run("sources", "COURIER vance")
    assert code == 0
    assert out.splitlines()[0] == "1 of 2 articles matching “COURIER vance”"
    assert VANCE_ID in out and LIBRARY_ID not in out
    code, out, _ = run("sources", "courier")
    assert out.splitlines()[0] == "2 of 2 articles matching “courier”"
    code, out, _ = run("sources", "vance library")
    assert (code, out) == (0, "0 of 2 articles matching “vance library”\n")
    assert [a["id"] for a in listed(run, "lighthouse")] == [VANCE_ID]


def test_sources_since_and_until_keep_the_articles_published_in_that_period(run, two_articles, tmp_path):
    undated = tmp_path / "undated.txt"
    undated.write_text("Ferry timetable changes\n\nThe ferry runs hourly.\n", encoding="utf-8")
    assert run("ingest", str(undated))[0] == 0
    assert [a["id"] for a in listed(run, "--since", "2025-03-04")] == [VANCE_ID]  # that day counts
    assert [a["id"] for a in listed(run, "--until", "2025-02-11")] == [LIBRARY_ID]
    assert [a["id"] for a in listed(run, "--since", "2025-02", "--until", "2025-02")] == [LIBRARY_ID]
    assert [a["id"] for a in listed(run, "--since", "2025")] == [VANCE_ID, LIBRARY_ID]  # undated: no period
    code, out, _ = run("sources", "courier", "--since", "2025-03")
    assert code == 0
    assert out.splitlines()[0] == "1 of 3 articles matching “courier”, published since 2025-03"
    code, out, _ = run("sources", "--since", "2025-02-12", "--until", "2025-03-03")
    assert (code, out) == (0, "0 of 3 articles published from 2025-02-12 to 2025-03-03\n")
    code, out, err = run("sources", "--since", "2025-13")
    assert code != 0 and out == ""
    assert "--since: unreadable date '2025-13' (expected YYYY-MM-DD, YYYY-MM or YYYY)" in err


def test_sources_json_lists_objects_newest_first_and_limit_cuts_the_list(run, two_articles):
    articles = listed(run)
    assert [a["id"] for a in articles] == [VANCE_ID, LIBRARY_ID]
    for a in articles:
        assert set(a) == {"id", "title", "url", "source", "published_at", "chunks", "ingested_at", "added_by"}
        assert a["added_by"] is None and a["ingested_at"]  # from a terminal, stored just now
        assert isinstance(a["chunks"], int) and a["chunks"] >= 1
        assert a["source"]
    assert [(a["title"], a["url"]) for a in articles] == [
        (VANCE_TITLE, VANCE_URL),
        (LIBRARY_TITLE, LIBRARY_URL),
    ]
    assert [a["published_at"] for a in articles] == ["2025-03-04T00:00:00+00:00", "2025-02-11T00:00:00+00:00"]
    assert sum(a["chunks"] for a in articles) == chunk_total(run)
    assert [a["id"] for a in listed(run, "--limit", "1")] == [VANCE_ID]
    code, out, _ = run("sources", "--limit", "1")
    assert code == 0
    assert out.splitlines()[0] == "2 articles in namespace default"
    assert VANCE_ID in out and LIBRARY_ID not in out
    assert out.splitlines()[-1].startswith("…and 1 more")


@pytest.mark.parametrize(
    ("key", "gone", "kept", "question"),
    [
        (VANCE_ID, VANCE_ID, LIBRARY_ID, "What did the harbour council approve?"),
        (LIBRARY_URL, LIBRARY_ID, VANCE_ID, "Who did Admiral Vance meet?"),
    ],
    ids=["by-id", "by-url"],
)
def test_forget_removes_exactly_that_article(run, two_articles, key, gone, kept, question):
    before = {a["id"]: a for a in listed(run)}
    total = chunk_total(run)
    assert kept in cited_ids(run, question)
    code, out, err = run("forget", key)
    n = before[gone]["chunks"]
    assert (code, err) == (0, "")
    assert out == f"Forgot “{before[gone]['title']}” ({n} passage{'s' if n != 1 else ''} removed).\n"
    assert listed(run) == [before[kept]]
    assert chunk_total(run) == total - n
    assert cited_ids(run, question) == {kept}
    code, out, err = run("forget", key)
    assert code == 1 and key in err


def test_forget_json_prints_the_removed_article(run, two_articles):
    before = {a["id"]: a for a in listed(run)}
    code, out, _ = run("forget", VANCE_URL, "--json")
    assert code == 0
    assert json.loads(out) == before[VANCE_ID]
    assert [a["id"] for a in listed(run)] == [LIBRARY_ID]


@pytest.mark.parametrize(
    "key",
    ["u-0000000000000000", VANCE_ID[:-1], "https://courier.example/", VANCE_TITLE, "courier"],
    ids=["unknown-id", "id-prefix", "url-prefix", "title", "word"],
)
def test_forget_unknown_key_exits_1_naming_it_and_removes_nothing(run, two_articles, key):
    before = listed(run)
    total = chunk_total(run)
    code, out, err = run("forget", key)
    assert code == 1
    assert out == ""
    assert err == f"error: no article {key!r} in namespace default\n"
    assert listed(run) == before
    assert chunk_total(run) == total


def test_forget_in_another_namespace_leaves_this_one_alone(run, two_articles):
    code, _, err = run("forget", VANCE_ID, "--namespace", "elsewhere")
    assert code == 1 and VANCE_ID in err and "elsewhere" in err
    assert [a["id"] for a in listed(run)] == [VANCE_ID, LIBRARY_ID]


def test_empty_or_unknown_namespace_says_so_in_one_line(run, two_articles):
    assert run("sources", "--namespace", "elsewhere") == (0, "no articles in namespace elsewhere\n", "")
    code, out, _ = run("sources", "vance", "--namespace", "elsewhere")
    assert (code, out) == (0, "no articles in namespace elsewhere\n")
    assert run("sources", "--namespace", "elsewhere", "--json") == (0, "[]\n", "")
    code, out, err = run("sources", "--namespace", "bad name!")
    assert (code, out) == (1, "")
    assert err.startswith("error: invalid namespace") and err.count("\n") == 1


def test_sources_on_a_fresh_store_says_there_is_nothing_yet(run):
    assert run("sources") == (0, "no articles in namespace default\n", "")


def test_show_prints_an_article_whole_by_id_or_url_and_quotes_are_spans_of_it(run, two_articles):
    (library,) = [a for a in listed(run) if a["title"] == "Harbour council approves a floating library"]
    code, out, err = run("show", library["id"])
    assert (code, err) == (0, "")
    head, body = out.split("\n\n", 1)
    today = datetime.now(UTC).date().isoformat()
    assert head.splitlines() == [
        "Harbour council approves a floating library",
        "Halden Courier, 2025-02-11",
        "https://courier.example/floating-library",
        f"(Added {today})",  # from a terminal: no one is named
    ]
    assert body.startswith("The Port Halden harbour council voted seven to two on Monday")
    code, out, _ = run("ask", "When does the floating library open?", "--json")
    for citation in json.loads(out)["citations"]:  # the offsets a citation gives index this text
        assert body[citation["start"] : citation["end"]] == citation["quote"]

    assert run("show", "https://courier.example/floating-library")[1].split("\n\n", 1)[1] == body
    copied = "https://www.Courier.example/floating-library/?utm_source=chat#top"  # as a browser shows it
    assert run("show", copied)[1].split("\n\n", 1)[1] == body
    code, out, _ = run("show", library["id"], "--json")
    shown = json.loads(out)
    assert code == 0 and shown["body"] == body.rstrip("\n")
    assert shown["ingested_at"].startswith(today) and shown["added_by"] is None


def test_show_names_an_unknown_article_and_its_namespace(run, two_articles):
    code, out, err = run("show", "no-such-id")
    assert (code, out) == (1, "") and err == "error: no article 'no-such-id' in namespace default\n"


@pytest.fixture
def added_by_two(newsroom, two_articles):
    """Two more articles, added by Discord member 42 (the two above were added from the terminal)."""
    for n in (1, 2):
        story = f"Spam story {n}\nDATE: 2025-04-0{n}\n\nBuy cheap harbour watches, offer {n}. Today only."
        report = newsroom.ingest_bytes_sync(story.encode(), f"spam{n}.txt", "default", "discord:42")
        assert report.articles_added == 1


def test_sources_added_by_lists_only_what_that_member_added(run, added_by_two):
    assert [a["title"] for a in listed(run, "--added-by", "discord:42")] == ["Spam story 2", "Spam story 1"]
    code, out, _ = run("sources", "--added-by", "discord:42")
    assert code == 0 and out.splitlines()[0] == "2 of 4 articles added by discord:42"
    assert listed(run, "--added-by", "discord:7") == []


def test_forget_added_by_removes_all_they_added_after_writing_a_copy_ingest_puts_back(
    run, added_by_two, tmp_path
):
    before = listed(run)
    copy = tmp_path / "removed.jsonl"
    code, out, err = run("forget", "--added-by", "discord:42", "--out", str(copy))
    assert (code, err) == (0, "")
    assert out == f"Forgot the 2 articles discord:42 added in namespace default; a copy is in {copy}.\n"
    assert [a["id"] for a in listed(run)] == [VANCE_ID, LIBRARY_ID]
    rows = [json.loads(line) for line in copy.read_text().splitlines()]
    assert [r["title"] for r in rows] == ["Spam story 1", "Spam story 2"]
    assert rows[0]["body"] == "Buy cheap harbour watches, offer 1. Today only."
    assert run("ingest", str(copy))[0] == 0
    assert {a["id"] for a in listed(run)} == {a["id"] for a in before}  # the same ids come back


def test_forget_added_by_json_prints_each_removed_article_in_full(run, added_by_two):
    code, out, _ = run("forget", "--added-by", "discord:42", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [(r["title"], r["added_by"]) for r in rows] == [
        ("Spam story 1", "discord:42"),
        ("Spam story 2", "discord:42"),
    ]
    assert rows[1]["body"].startswith("Buy cheap harbour watches, offer 2.")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("--added-by", "discord:7"), "error: no article in namespace default was added by 'discord:7'\n"),
        ((VANCE_ID, "--added-by", "discord:42"), "error: give either KEY (one article) or --added-by WHO"),
        ((), "error: give either KEY (one article) or --added-by WHO"),
        ((VANCE_ID, "--out", "x.jsonl"), "error: --out goes with --added-by"),
        (
            ("--added-by", "discord:42", "--out", "/no/such/dir/x.jsonl"),
            "error: /no/such/dir/x.jsonl: cannot",
        ),
    ],
    ids=["nobody", "both", "neither", "out-alone", "out-unwritable"],
)
def test_forget_added_by_that_cannot_be_done_exits_1_and_removes_nothing(run, added_by_two, argv, says):
    before = listed(run)
    code, out, err = run("forget", *argv)
    assert (code, out) == (1, "")
    assert err.startswith(says) and err.count("\n") == 1
    assert listed(run) == before
