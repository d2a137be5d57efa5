"""Canonical URLs, so one story reached by two links is stored once and found by either."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = frozenset({"ref", "fbclid", "gclid", "cmpid", "smid", "mc_cid", "mc_eid", "ocid", "taid"})


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no ``www.``, no fragment, no tracking query, no trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if parts.port and not (
        (parts.scheme == "http" and parts.port == 80) or (parts.scheme == "https" and parts.port == 443)
    ):
        host = f"{host}:{parts.port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING
    ]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(((parts.scheme or "https").lower(), host, path, urlencode(query), ""))


def is_url(text: str) -> bool:
    """Whether ``text`` looks like a URL rather than a file path (any scheme, so refusals are clear)."""
    return "://" in text[:16]
