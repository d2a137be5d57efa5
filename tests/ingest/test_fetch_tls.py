"""https through the pinned connection: the certificate is checked against the URL's host name.

A local CA (trustme) signs the loopback server's certificate; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest
import trustme
from pytest_httpserver import HTTPServer

from ingest.errors import FetchFailed
from ingest.fetch import Fetcher, FetchLimits

OPEN = FetchLimits(allow_private=True, timeout=5.0, max_bytes=100_000)
PAGE = "<html><body><p>The tide gauges will cost 240,000 crowns.</p></body></html>"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _server(ca: trustme.CA, *names: str) -> Iterator[HTTPServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(*names).configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    server.expect_request("/story").respond_with_data(PAGE, content_type="text/html")
    try:
        yield server
    finally:
        server.clear()
        server.stop()


@pytest.fixture
def localhost_server(ca: trustme.CA) -> Iterator[HTTPServer]:
    yield from _server(ca, "localhost")


@pytest.fixture
def other_name_server(ca: trustme.CA) -> Iterator[HTTPServer]:
    yield from _server(ca, "news.example")


def _trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_https_page_is_fetched_through_the_pinned_address(ca, localhost_server):
    fetched = Fetcher(OPEN, tls=_trusting(ca)).fetch_sync(f"https://localhost:{localhost_server.port}/story")
    assert fetched.status == 200
    assert fetched.body.decode() == PAGE


def test_a_certificate_for_another_host_is_refused(ca, other_name_server):
    fetcher = Fetcher(OPEN, tls=_trusting(ca))
    with pytest.raises(FetchFailed, match="TLS certificate of localhost could not be verified"):
        fetcher.fetch_sync(f"https://localhost:{other_name_server.port}/story")


def test_a_certificate_from_an_unknown_authority_is_refused(localhost_server):
    with pytest.raises(FetchFailed, match="TLS certificate of localhost could not be verified"):
        Fetcher(OPEN).fetch_sync(f"https://localhost:{localhost_server.port}/story")
