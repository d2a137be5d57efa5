"""The SSRF-safe fetcher: address table, redirects, size and time caps (loopback server only)."""

from __future__ import annotations

import ipaddress
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ingest.errors import FetchFailed, UrlRefused
from ingest.fetch import Fetcher, FetchLimits, PinnedResolver, blocked_reason, check_url

OPEN = FetchLimits(allow_private=True, timeout=5.0, max_bytes=100_000)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.255.254",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "169.254.0.1",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.2.1",
        "198.18.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "ff05::2",
        "2001:db8::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "::127.0.0.1",
        "::ffff:0:127.0.0.1",
        "2002:7f00:1::1",
        "2002:a9fe:a9fe::",
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::808:808",
        "2001::1",
        "fe80::1%1",
    ],
)
def test_non_public_addresses_are_blocked(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "93.184.216.34",
        "1.1.1.1",
        "2606:4700:4700::1111",
        "2a00:1450:4001:80b::200e",
        "::ffff:8.8.8.8",
        "2002:808:808::1",
        "64:ff9b::808:808",
    ],
)
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


def test_metadata_address_is_named_as_such() -> None:
    assert "metadata" in (blocked_reason(ipaddress.ip_address("169.254.169.254")) or "")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/x",
        "gopher://example.com/",
        "http://",
        "javascript:alert(1)",
        "http://user:pw@example.com/",
        "data:text/html,hi",
    ],
)
def test_only_plain_http_urls_are_accepted(url: str) -> None:
    with pytest.raises(UrlRefused):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://[::1]:9/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]:9/",
        "http://localhost:9/",
        "http://0.0.0.0:9/",
        "http://2130706433:9/",
        "http://127.1:9/",
        "http://[fe80::1]/",
    ],
)
async def test_private_targets_are_refused_before_connecting(url: str) -> None:
    with pytest.raises(UrlRefused, match="refused"):
        await Fetcher(FetchLimits(timeout=5.0)).fetch(url)


async def test_allow_private_lifts_only_the_address_block(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("<p>hello</p>", content_type="text/html")
    got = await Fetcher(OPEN).fetch(httpserver.url_for("/a"))
    assert got.body == b"<p>hello</p>" and got.media_type == "text/html"
    with pytest.raises(UrlRefused):
        await Fetcher(OPEN).fetch("file:///etc/passwd")


async def test_block_applies_to_a_loopback_server_when_not_allowed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("secret")
    with pytest.raises(UrlRefused, match="loopback"):
        await Fetcher(FetchLimits()).fetch(httpserver.url_for("/a"))
    assert httpserver.log == []


def _redirect(location: str, status: int = 302) -> Response:
    return Response(status=status, headers={"Location": location})


async def test_redirects_are_followed_and_the_final_url_reported(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_response(_redirect("/mid", 301))
    httpserver.expect_request("/mid").respond_with_response(_redirect("/new", 308))
    httpserver.expect_request("/new").respond_with_data("done")
    got = await Fetcher(OPEN).fetch(httpserver.url_for("/old"))
    assert got.body == b"done" and got.url.endswith("/new")


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:1/",
        "http://[::1]:1/",
        "file:///etc/passwd",
    ],
)
async def test_redirect_to_a_private_address_is_refused(httpserver: HTTPServer, location: str) -> None:
    """The first hop is allowed through a pinned public-looking check; the redirect is checked anew."""
    httpserver.expect_request("/go").respond_with_response(_redirect(location))
    fetcher = Fetcher(FetchLimits(timeout=5.0))
    # Let the loopback test server count as public for the first hop only.
    real = fetcher._check_address
    calls: list[str] = []

    def first_hop_public(target, address):  # type: ignore[no-untyped-def]
        calls.append(str(target))
        if len(calls) > 1:
            real(target, address)

    fetcher._check_address = first_hop_public  # type: ignore[method-assign]
    with pytest.raises(UrlRefused):
        await fetcher.fetch(httpserver.url_for("/go"))
    assert len(httpserver.log) == 1


async def test_too_many_redirects_fail(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/loop").respond_with_response(_redirect("/loop"))
    with pytest.raises(FetchFailed, match="redirects"):
        await Fetcher(FetchLimits(allow_private=True, max_redirects=3, timeout=5)).fetch(
            httpserver.url_for("/loop")
        )
    assert len(httpserver.log) == 4


async def test_declared_huge_body_is_refused(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 200_000)
    with pytest.raises(FetchFailed, match="too large"):
        await Fetcher(OPEN).fetch(httpserver.url_for("/big"))


async def test_streamed_huge_body_is_cut_off(httpserver: HTTPServer) -> None:
    def endless(_: Request) -> Response:
        return Response((b"y" * 65536 for _ in range(1000)), content_type="text/plain")  # 65 MB, no length

    httpserver.expect_request("/stream").respond_with_handler(endless)
    with pytest.raises(FetchFailed, match="too large"):
        await Fetcher(OPEN).fetch(httpserver.url_for("/stream"))


async def test_slow_response_hits_the_time_cap(httpserver: HTTPServer) -> None:
    def slow(_: Request) -> Response:
        def trickle():  # type: ignore[no-untyped-def]
            for _ in range(30):
                time.sleep(0.1)
                yield b"z"

        return Response(trickle(), content_type="text/plain")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    limits = FetchLimits(allow_private=True, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(FetchFailed, match="within"):
        await Fetcher(limits).fetch(httpserver.url_for("/slow"))
    assert time.monotonic() - started < 3


async def test_http_errors_are_reported_with_the_status(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    with pytest.raises(FetchFailed, match="404"):
        await Fetcher(OPEN).fetch(httpserver.url_for("/gone"))


async def test_pinned_resolver_never_answers_for_unchecked_hosts() -> None:
    resolver = PinnedResolver()
    resolver.pin("example.com", [(__import__("socket").AF_INET, "93.184.216.34")])
    assert (await resolver.resolve("EXAMPLE.com", 80))[0]["host"] == "93.184.216.34"
    with pytest.raises(OSError):
        await resolver.resolve("other.example", 80)


def test_fetch_sync_works_outside_an_event_loop(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/s").respond_with_data("ok")
    assert Fetcher(OPEN).fetch_sync(httpserver.url_for("/s")).body == b"ok"


async def test_connection_goes_to_the_checked_address_and_keeps_the_host_name(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DNS answer that changes after the check (rebinding) is never seen: one lookup per hop."""
    import asyncio
    import socket

    lookups: list[str] = []

    async def fake_getaddrinfo(self, host, port, **_):  # type: ignore[no-untyped-def]
        lookups.append(host)
        ip = "127.0.0.1" if len(lookups) == 1 else "10.9.9.9"  # a second answer would be unreachable
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", fake_getaddrinfo)
    httpserver.expect_request("/p").respond_with_data("pinned")
    url = f"http://news.example.test:{httpserver.port}/p"
    got = await Fetcher(OPEN).fetch(url)
    assert got.body == b"pinned"
    assert lookups == ["news.example.test"]
    assert httpserver.log[0][0].headers["Host"] == f"news.example.test:{httpserver.port}"


async def test_compression_bomb_is_cut_off_at_the_size_cap(httpserver: HTTPServer) -> None:
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    zeros = b"\0" * 1_000_000
    bomb = b"".join([packer.compress(zeros) for _ in range(100)] + [packer.flush()])  # 100 MB in ~100 KB
    httpserver.expect_request("/bomb").respond_with_data(
        bomb, headers={"Content-Encoding": "gzip"}, content_type="text/plain"
    )
    with pytest.raises(FetchFailed, match="too large"):
        await Fetcher(OPEN).fetch(httpserver.url_for("/bomb"))


async def test_a_name_with_one_private_address_among_public_ones_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import asyncio
    import socket

    async def mixed(self, host, port, **_):  # type: ignore[no-untyped-def]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::ffff:10.0.0.1", port, 0, 0)),
        ]

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", mixed)
    with pytest.raises(UrlRefused, match="private"):
        await Fetcher(FetchLimits(timeout=5)).fetch("http://rebind.example.test/")
