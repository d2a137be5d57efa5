"""Fetch a URL without letting it reach the machine's own network (SSRF defence).

How the connection is pinned: the fetcher resolves the host itself, checks every address the
name resolves to, and hands exactly those addresses to aiohttp through :class:`PinnedResolver`,
a resolver that answers only from that checked table and never asks DNS. aiohttp then connects
to a checked address while the URL keeps its host name, so TLS SNI, certificate verification
and the ``Host`` header stay those of the name (pinning the IP into the URL would break all
three). A DNS answer that changes between check and connect (DNS rebinding) cannot matter,
because there is no second lookup. IP literals never reach a resolver in aiohttp, so they are
checked before the request. Every redirect goes through the same check, proxies from the
environment are ignored (``trust_env=False``), the body is counted while it streams, and one
deadline covers the whole fetch, redirects included.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import ssl
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from ingest.errors import FetchFailed, UrlRefused

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
USER_AGENT = "Newsdesk/0.1 (news article ingestion)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_TEREDO = ipaddress.IPv6Network("2001::/32")
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_METADATA = ipaddress.IPv4Address("169.254.169.254")


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """What one fetch may cost.

    Attributes:
        max_bytes: Largest body accepted (counted as it streams, after decompression).
        timeout: Seconds for the whole fetch, redirects included.
        max_redirects: Redirects followed.
        allow_private: Lift the address block (loopback, private, ...) for local testing only.
    """

    max_bytes: int = 5_000_000
    timeout: float = 20.0
    max_redirects: int = 5
    allow_private: bool = False


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched body: ``url`` is the final URL after redirects."""

    url: str
    status: int
    media_type: str
    charset: str | None
    body: bytes


def blocked_reason(address: IPAddress) -> str | None:
    """Why an address must not be fetched from, or ``None`` when it is a public unicast address.

    IPv6 forms that carry an IPv4 address (IPv4-mapped, IPv4-compatible, 6to4, NAT64) are judged
    by the IPv4 address inside them.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return "NAT64 local-use address"
        if address in _TEREDO:
            return "Teredo tunnel address"
        inner = _embedded_ipv4(address)
        if inner is not None:
            reason = blocked_reason(inner)
            return f"{reason} (as {address})" if reason else None
    if address == _METADATA:
        return "cloud metadata address"
    for flag, reason in (
        (address.is_unspecified, "unspecified address"),
        (address.is_loopback, "loopback address"),
        (address.is_link_local, "link-local address"),
        (address.is_multicast, "multicast address"),
        (address.is_private, "private address"),
        (address.is_reserved, "reserved address"),
        (isinstance(address, ipaddress.IPv4Address) and address in _CGNAT, "shared (carrier NAT) address"),
        (not address.is_global, "non-public address"),
    ):
        if flag:
            return reason
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    value = int(address)
    if value >> 32 == 0 and value > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(value)
    if value >> 32 == 0xFFFF0000:  # IPv4-translated ::ffff:0:a.b.c.d
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    return None


def check_url(url: str) -> URL:
    """Parse a URL the fetcher may request: ``http``/``https`` with a host and no credentials.

    Raises:
        UrlRefused: With the reason.
    """
    try:
        parsed = URL(url.strip())
    except (ValueError, TypeError):
        raise UrlRefused(f"{url}: not a valid URL") from None
    if parsed.scheme.lower() not in ("http", "https"):
        raise UrlRefused(f"{url}: only http and https URLs can be fetched")
    if not parsed.raw_host:
        raise UrlRefused(f"{url}: the URL has no host")
    if parsed.user is not None or parsed.password is not None:
        raise UrlRefused(f"{url}: URLs with credentials are not fetched")
    return parsed


class PinnedResolver(AbstractResolver):
    """Answers only for hosts the fetcher has checked, with exactly the checked addresses."""

    def __init__(self) -> None:
        self._table: dict[str, list[tuple[socket.AddressFamily, str]]] = {}

    def pin(self, host: str, addresses: list[tuple[socket.AddressFamily, str]]) -> None:
        self._table[host.lower().rstrip(".")] = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        pinned = self._table.get(host.lower().rstrip("."))
        if not pinned:
            raise OSError(f"{host} was not checked before connecting")
        flags = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV
        return [
            {"hostname": host, "host": ip, "port": port, "family": fam, "proto": 0, "flags": flags}
            for fam, ip in pinned
        ]

    async def close(self) -> None:
        return None


class Fetcher:
    """Fetches http(s) URLs within :class:`FetchLimits`, refusing non-public addresses.

    Args:
        limits: Size, time and redirect caps, and whether private addresses are allowed.
        user_agent: Sent with every request.
        tls: Certificate verification for https (the system's trusted CAs when omitted). The
            certificate is always checked against the URL's host name, also when the connection
            goes to a pinned address.
    """

    def __init__(
        self,
        limits: FetchLimits | None = None,
        user_agent: str = USER_AGENT,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.limits = limits or FetchLimits()
        self.user_agent = user_agent
        self.tls = tls

    def fetch_sync(self, url: str) -> Fetched:
        """:meth:`fetch` for synchronous callers (not from a running event loop's thread)."""
        return asyncio.run(self.fetch(url))

    async def fetch(self, url: str) -> Fetched:
        """Fetch ``url``, following up to ``max_redirects`` redirects, each one checked again.

        Raises:
            UrlRefused: The URL or an address it resolves to (or redirects to) is not allowed.
            FetchFailed: Network error, HTTP error status, too large, too slow, too many redirects.
        """
        check_url(url)
        try:
            async with asyncio.timeout(self.limits.timeout):
                return await self._fetch(url)
        except TimeoutError:
            raise FetchFailed(f"{url}: no complete answer within {self.limits.timeout:g} s") from None

    async def _fetch(self, url: str) -> Fetched:
        resolver = PinnedResolver()
        connector = aiohttp.TCPConnector(
            resolver=resolver, use_dns_cache=False, limit=2, ssl=self.tls if self.tls else True
        )
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.limits.timeout)
        headers = {"User-Agent": self.user_agent, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        async with aiohttp.ClientSession(
            connector=connector, timeout=timeout, headers=headers, trust_env=False
        ) as session:
            current = url
            for _ in range(self.limits.max_redirects + 1):
                target = check_url(current)
                await self._pin(target, resolver)
                try:
                    async with session.get(target, allow_redirects=False) as resp:
                        if resp.status in _REDIRECTS:
                            location = resp.headers.get("Location")
                            if not location:
                                raise FetchFailed(f"{url}: redirect without a Location")
                            current = str(target.join(URL(location)))
                            log.debug("redirect %s -> %s", target, current)
                            continue
                        if resp.status >= 400:
                            raise FetchFailed(f"{url}: the server answered HTTP {resp.status}")
                        body = await self._read(resp, url)
                        media = resp.content_type.lower()
                        return Fetched(str(target), resp.status, media, resp.charset, body)
                except aiohttp.ClientError as exc:
                    raise FetchFailed(f"{url}: {_describe(exc)}") from None
                except ValueError as exc:  # a malformed Location or header
                    raise FetchFailed(f"{url}: malformed response ({exc})") from None
            raise FetchFailed(f"{url}: more than {self.limits.max_redirects} redirects")

    async def _pin(self, target: URL, resolver: PinnedResolver) -> None:
        host = target.raw_host or ""
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            self._check_address(target, literal)
            return
        port = target.port or (443 if target.scheme == "https" else 80)
        try:
            infos: list[Any] = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchFailed(f"{target}: cannot resolve {host} ({exc})") from None
        checked: list[tuple[socket.AddressFamily, str]] = []
        for family, _, _, _, sockaddr in infos:
            ip = str(sockaddr[0])
            self._check_address(target, ipaddress.ip_address(ip.split("%", 1)[0]))
            if (family, ip) not in checked:
                checked.append((family, ip))
        if not checked:
            raise FetchFailed(f"{target}: {host} has no address")
        resolver.pin(host, checked)

    def _check_address(self, target: URL, address: IPAddress) -> None:
        if self.limits.allow_private:
            return
        reason = blocked_reason(address)
        if reason:
            raise UrlRefused(f"{target}: refused, {target.host} is a {reason} ({address})")

    async def _read(self, resp: aiohttp.ClientResponse, url: str) -> bytes:
        cap = self.limits.max_bytes
        declared = resp.content_length
        if declared is not None and declared > cap:
            raise FetchFailed(f"{url}: too large ({declared:,} bytes; limit {cap:,})")
        parts: list[bytes] = []
        total = 0
        async for part in resp.content.iter_chunked(64 * 1024):
            total += len(part)
            if total > cap:
                raise FetchFailed(f"{url}: too large (over the {cap:,}-byte limit)")
            parts.append(part)
        return b"".join(parts)


def _describe(exc: aiohttp.ClientError) -> str:
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"the TLS certificate of {exc.host} could not be verified"
    if isinstance(exc, aiohttp.ClientSSLError):
        return f"the TLS connection to {exc.host} failed"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect to {exc.host}:{exc.port}"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "the response body was cut off or malformed"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"bad response ({exc.status} {exc.message})"
    return type(exc).__name__
