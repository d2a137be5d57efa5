"""Server-mode settings reach the wire: the token as a bearer header, HTTPS and its verification."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.newsroom import store_from_settings
from bot.settings import Settings
from retrieval.store import http_client

# Just enough of Chroma's v2 API for a client to connect and send a heartbeat.
REPLIES = {
    "/api/v2/auth/identity": {"user_id": "", "tenant": "default_tenant", "databases": ["default_database"]},
    "/api/v2/tenants/default_tenant": {"name": "default_tenant", "resource_name": None},
    "/api/v2/tenants/default_tenant/databases/default_database": {
        "id": "00000000-0000-0000-0000-000000000000",
        "name": "default_database",
        "tenant": "default_tenant",
    },
    "/api/v2/heartbeat": {"nanosecond heartbeat": 1},
}


@pytest.fixture
def fake_chroma(httpserver: HTTPServer) -> tuple[HTTPServer, list[Request]]:
    seen: list[Request] = []

    def reply(request: Request) -> Response:
        seen.append(request)
        body = REPLIES.get(request.path)
        if body is None:
            return Response("{}", status=404, content_type="application/json")
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(re.compile(".*")).respond_with_handler(reply)
    return httpserver, seen


def test_token_setting_is_sent_as_a_bearer_header_on_every_request(
    fake_chroma: tuple[HTTPServer, list[Request]], tmp_path: Path
) -> None:
    server, seen = fake_chroma
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path,
        chroma_host="127.0.0.1",
        chroma_port=server.port,
        chroma_token="tok-123",
    )
    store = store_from_settings(settings, "all-MiniLM-L6-v2-int8")
    store.heartbeat()
    assert any(r.path == "/api/v2/heartbeat" for r in seen)
    assert {r.headers.get("Authorization") for r in seen} == {"Bearer tok-123"}
    assert "tok-123" not in store.label


def test_no_token_sends_no_authorization_header(fake_chroma: tuple[HTTPServer, list[Request]]) -> None:
    server, seen = fake_chroma
    http_client("127.0.0.1", server.port).heartbeat()
    assert seen and all("Authorization" not in r.headers for r in seen)


@pytest.mark.parametrize(
    ("setting", "verify"), [(None, None), ("false", False), ("/etc/ssl/ca.pem", "/etc/ssl/ca.pem")]
)
def test_https_and_certificate_settings_reach_the_chroma_client(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, setting: str | None, verify: object
) -> None:
    made: dict[str, object] = {}

    def fake_client(**kwargs: object) -> object:
        made.update(kwargs)
        return object()

    monkeypatch.setattr("retrieval.store.chromadb.HttpClient", fake_client)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path,
        chroma_host="chroma.internal",
        chroma_port=8443,
        chroma_ssl=True,
        chroma_ssl_verify=setting,
    )
    store = store_from_settings(settings, "all-MiniLM-L6-v2-int8")
    assert made["ssl"] is True
    assert made["settings"].chroma_server_ssl_verify == verify  # type: ignore[attr-defined]
    assert store.label == "Chroma server chroma.internal:8443"
