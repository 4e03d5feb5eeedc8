"""The payments domain's long-lived objects, built once per app: the backend, the keyring that seals
stored L402 credentials, the macaroon root secret, and the two outbound HTTP clients (the L402
client's and the paywall upstream proxy's), both behind the private-address guard (``netguard``)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

import httpx

from openagents_server.domains.integrations.crypto import Keyring
from openagents_server.domains.payments.backends.base import LightningBackend
from openagents_server.domains.payments.backends.fake import FakeBackend
from openagents_server.domains.payments.backends.lnd import LndRestBackend
from openagents_server.domains.payments.credentials import CredentialStore
from openagents_server.netguard import AllowList, guarded_client
from openagents_server.settings import Settings


def macaroon_secret(settings: Settings) -> bytes:
    if settings.l402_macaroon_secret:
        return settings.l402_macaroon_secret.encode()
    return hmac.new(settings.session_secret.encode(), b"openagents.l402.macaroons.v1", hashlib.sha256).digest()


def build_backend(settings: Settings) -> LightningBackend:
    if settings.lightning_backend == "lnd":
        return LndRestBackend(settings.lnd_rest_url, settings.lnd_macaroon_hex, tls_cert_path=settings.lnd_tls_cert_path,
                              timeout=settings.lnd_timeout_seconds)
    return FakeBackend(macaroon_secret(settings))


@dataclass
class LightningKit:
    backend: LightningBackend
    keyring: Keyring
    macaroon_secret: bytes
    internal_keys: dict[str, bytes]
    #: Non-public hosts/networks the outbound clients may reach (``l402_http_allow``: development only).
    net_allow: AllowList = field(default_factory=AllowList)
    upstream_timeout: float = 30.0
    upstream_max_request_bytes: int = 8 * 1024 * 1024
    upstream_max_response_bytes: int = 64 * 1024 * 1024
    #: The L402 client's outbound HTTP (no redirects: a 402 must come from the URL that was asked).
    http: httpx.AsyncClient = field(init=False)
    #: The paywall upstream proxy's outbound HTTP (``domains/l402/proxy.py``).
    upstream: httpx.AsyncClient = field(init=False)
    credentials: CredentialStore = field(init=False)

    def __post_init__(self) -> None:
        self.credentials = CredentialStore(self.keyring)
        self.http = guarded_client(self.net_allow, timeout=20)
        self.upstream = guarded_client(self.net_allow, timeout=httpx.Timeout(self.upstream_timeout,
                                                                             connect=min(self.upstream_timeout, 10.0)),
                                       limits=httpx.Limits(max_connections=200, max_keepalive_connections=50))

    @classmethod
    def from_settings(cls, settings: Settings) -> LightningKit:
        from openagents_server.settings import parse_internal_keys

        return cls(backend=build_backend(settings), keyring=Keyring.from_settings(settings),
                   macaroon_secret=macaroon_secret(settings),
                   internal_keys={k: v.encode() for k, v in parse_internal_keys(settings.integrations_internal_keys).items()},
                   net_allow=AllowList.parse(settings.l402_http_allow),
                   upstream_timeout=settings.l402_upstream_timeout_seconds,
                   upstream_max_request_bytes=settings.l402_upstream_max_request_bytes,
                   upstream_max_response_bytes=settings.l402_upstream_max_response_bytes)

    @property
    def mode(self) -> str:
        return self.backend.mode

    async def close(self) -> None:
        await self.backend.close()
        await self.http.aclose()
        await self.upstream.aclose()
