"""Outbound HTTP without server-side request forgery, shared by every place the platform fetches a
URL someone else chose: the tools' ``http.fetch`` (:func:`fetch`), the L402 client paying external
APIs and the paywalls' upstreams (:func:`guarded_client`).

The host is resolved once and every address it resolves to is checked (private, loopback,
link-local, metadata, multicast, reserved → refused unless allow-listed); the connection then goes to
the checked address itself (pinned: no second lookup an attacker's DNS could answer differently),
with the original name in ``Host`` and TLS SNI. :func:`fetch` follows redirects by hand (at most 3),
each target checked again; limits 256 KiB of body, 10 s. :func:`guarded_client` does the check at
connect time, inside httpx's connection pool (:class:`GuardedBackend`), so every new connection of
that client (each redirect hop, each retry) is checked and pinned.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from openagents_proto.runtime.domain import ReasonCode

MAX_BYTES = 256 * 1024
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 3
#: Cloud metadata services (AWS/GCP/Azure/Alibaba/Oracle use these), refused with their own reason.
METADATA = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200",
                                                        "169.254.170.2"))

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def code(reason: ReasonCode) -> str:
    """The registry spelling (``ssrf_block.private_address``) of an ``ssrf_block_*`` reason code."""
    return "ssrf_block." + reason.value.removeprefix("ssrf_block_")


class Blocked(Exception):
    """Refused before any byte was sent; ``reason_code`` is a contract reason (``ssrf_block.*``)."""

    def __init__(self, reason: ReasonCode, message: str) -> None:
        super().__init__(message)
        self.reason_code = code(reason)


class FetchFailed(Exception):
    def __init__(self, code_: str, message: str) -> None:
        super().__init__(message)
        self.code = code_


@dataclass(frozen=True, slots=True)
class AllowList:
    """Hosts (exact names) and networks that may be reached although they are not public (an
    intranet, a test server: development only)."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, entries: tuple[str, ...] | list[str]) -> AllowList:
        hosts, networks = set(), []
        for entry in (e.strip().lower() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry)
        return cls(frozenset(hosts), tuple(networks))

    def allows(self, host: str, address: Address) -> bool:
        return host in self.hosts or any(address in n for n in self.networks)


def refusal(address: Address) -> ReasonCode | None:
    """Why ``address`` may not be reached, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address in METADATA:
        return ReasonCode.SSRF_BLOCK_METADATA_ENDPOINT
    if (address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
            or address.is_reserved or address.is_unspecified or not address.is_global):
        return ReasonCode.SSRF_BLOCK_PRIVATE_ADDRESS
    return None


async def resolve(host: str, port: int) -> list[Address]:
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
        return [literal]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), 5)
    except (OSError, TimeoutError, UnicodeError, ValueError) as exc:
        raise Blocked(ReasonCode.SSRF_BLOCK_DNS_RESOLUTION_FAILED, f"{host} does not resolve: {exc}") from None
    seen: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if address not in seen:
            seen.append(address)
    if not seen:
        raise Blocked(ReasonCode.SSRF_BLOCK_DNS_RESOLUTION_FAILED, f"{host} has no address")
    return seen


async def check_host(host: str, port: int, allow: AllowList) -> Address:
    """The one checked address of ``host`` to connect to; raises :class:`Blocked`."""
    addresses = await resolve(host, port)
    # Every address must pass: a name resolving to one public and one private address is refused
    # (the connection could otherwise land on either).
    for address in addresses:
        reason = refusal(address)
        if reason is not None and not allow.allows(host, address):
            raise Blocked(reason, f"{host} resolves to {address}, which is not a public address")
    return addresses[0]


async def check(url: str, allow: AllowList) -> tuple[str, int, Address]:
    """The URL's host, port and the one checked address to connect to; raises :class:`Blocked`."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Blocked(ReasonCode.SSRF_BLOCK_INVALID_URL, "not a valid URL") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise Blocked(ReasonCode.SSRF_BLOCK_INVALID_URL, "only http(s) URLs with a host and no credentials")
    return host, port, await check_host(host.strip("[]"), port, allow)


async def fetch(url: str, *, method: str = "GET", max_bytes: int = MAX_BYTES, allow: AllowList,
                timeout: float = TIMEOUT_SECONDS) -> dict[str, Any]:
    """The response (status, headers of interest, body text up to ``max_bytes``)."""
    async with asyncio.timeout(timeout):
        async with httpx.AsyncClient(follow_redirects=False, timeout=timeout, trust_env=False) as client:
            for _hop in range(MAX_REDIRECTS + 1):
                host, port, address = await check(url, allow)
                parts = urlsplit(url)
                netloc = f"[{address}]" if address.version == 6 else str(address)
                pinned = parts._replace(netloc=f"{netloc}:{port}").geturl()
                headers = {"host": parts.netloc.rsplit("@", 1)[-1], "user-agent": "OpenAgents-Autopilot/1",
                           "accept-encoding": "identity"}
                extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
                try:
                    request = client.build_request(method, pinned, headers=headers, extensions=extensions)
                    response = await client.send(request, stream=True)
                except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
                    raise FetchFailed("fetch_failed", f"{type(exc).__name__}: {exc}"[:300]) from None
                try:
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise Blocked(ReasonCode.SSRF_BLOCK_REDIRECT_MISSING_LOCATION, "redirect without Location")
                        url = urljoin(url, location)
                        if urlsplit(url).scheme not in ("http", "https"):
                            raise Blocked(ReasonCode.SSRF_BLOCK_REDIRECT_INVALID_LOCATION, "redirect to a non-http URL")
                        continue
                    body = bytearray()
                    truncated = False
                    if method != "HEAD":
                        async for chunk in response.aiter_raw():
                            body.extend(chunk)
                            if len(body) > max_bytes:
                                del body[max_bytes:]
                                truncated = True
                                break
                    return {"url": url, "status": response.status_code,
                            "content_type": response.headers.get("content-type", ""),
                            "body": body.decode("utf-8", errors="replace"), "bytes": len(body), "truncated": truncated}
                finally:
                    await response.aclose()
    raise Blocked(ReasonCode.SSRF_BLOCK_REDIRECT_LIMIT_EXCEEDED, f"more than {MAX_REDIRECTS} redirects")


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the check at connect time: the name is resolved once, every
    address checked, and the TCP connection opened to the checked address (TLS still verifies and
    sends SNI for the name, which httpcore passes to ``start_tls`` separately)."""

    def __init__(self, allow: AllowList, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.allow = allow
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        address = await check_host(host.strip("[]").lower(), port, self.allow)
        return await self.inner.connect_tcp(str(address), port, timeout=timeout, local_address=local_address,
                                            socket_options=socket_options)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        raise Blocked(ReasonCode.SSRF_BLOCK_INVALID_URL, "unix sockets are not reachable")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport whose connection pool connects through :class:`GuardedBackend`."""

    def __init__(self, allow: AllowList, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # httpx builds the pool without a way to name its network backend; the pool reads this
        # attribute for every new connection (httpcore 1.x).
        self._pool._network_backend = GuardedBackend(allow)  # type: ignore[attr-defined]


def guarded_client(allow: AllowList, **kwargs: Any) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` that refuses non-public addresses (unless ``allow`` lists them), never
    reads proxies from the environment (a proxy would make the connection, unchecked), and raises
    :class:`Blocked` (not an ``httpx`` error) before any byte is sent to a refused address."""
    kwargs.setdefault("follow_redirects", False)
    return httpx.AsyncClient(transport=GuardedTransport(allow), trust_env=False, **kwargs)
