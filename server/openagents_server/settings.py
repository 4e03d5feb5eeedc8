"""One typed settings object, read from ``OPENAGENTS_*`` environment variables.

Every field maps to ``OPENAGENTS_<FIELD_NAME_UPPER>``. Values are validated once, at start, and an
invalid value is reported with the variable's name and what was expected.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from openagents_proto.sync.limits import MAX_BATCH_BYTES, MAX_OUTBOUND_QUEUE_BYTES

ENV_PREFIX = "OPENAGENTS_"

#: Field names whose values are never printed.
SECRET_FIELDS = frozenset(
    {"sync_token_secret", "internal_api_key", "workos_api_key", "session_secret", "test_login_secret",
     "integrations_encryption_keys", "integrations_internal_keys", "resend_webhook_secrets", "google_client_secret",
     "autopilot_openai_key", "l402_macaroon_secret", "lnd_macaroon_hex", "metrics_token"}
)
#: Development defaults of the integration secrets; production refuses them (see ``__post_init__``).
DEV_ENCRYPTION_KEYS = "dev-only-1:ZGV2LW9ubHktaW50ZWdyYXRpb25zLWtleS0wMDAwMDA="
DEV_INTERNAL_KEYS = "dev-only:dev-only-runtime-signing-secret-0123456789"
DEV_RESEND_WEBHOOK_SECRET = "whsec_ZGV2LW9ubHktcmVzZW5kLXdlYmhvb2stc2VjcmV0"
_MAKE_KEY = "python -c 'import os,base64;print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")

#: The development administrator (``env=local`` with no ``OPENAGENTS_ADMIN_EMAILS``).
LOCAL_ADMIN_EMAIL = "admin@openagents.local"

Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]
Positive = Annotated[int, msgspec.Meta(ge=1)]


class SettingsError(ValueError):
    """Raised when the environment holds an invalid setting; the message names the variable."""


class Settings(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    env: Literal["local", "test", "production"] = "local"
    #: External PostgreSQL DSN. Empty means: start the embedded cluster under ``data_dir/pg``.
    database_url: str = ""
    data_dir: str = "var"
    host: str = "127.0.0.1"
    port: Port = 8000
    workers: Annotated[int, msgspec.Meta(ge=1, le=64)] = 1
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "console"] = "json"
    db_pool_min: Annotated[int, msgspec.Meta(ge=0)] = 1
    db_pool_max: Positive = 10
    auth_provider: Literal["local", "workos"] = "local"
    workos_api_key: str = ""
    workos_client_id: str = ""
    workos_base_url: str = ""
    sync_token_secret: str = "dev-only-sync-secret-change-me-0123456789"
    session_secret: str = "dev-only-session-secret-change-me-0123456789"
    internal_api_key: str = "dev-only-internal-key"
    test_login_secret: str = "dev-only-test-login-secret"
    public_origin: str = "http://127.0.0.1:8000"
    allowed_origins: tuple[str, ...] = ()
    bundles_dir: str = "dist/bundles"
    # Khala (ARCHITECTURE §4). Durations in milliseconds so tests can shorten them.
    khala_fanout: Literal["postgres", "memory"] = "postgres"
    khala_hello_timeout_ms: Positive = 5_000
    khala_heartbeat_interval_ms: Positive = 20_000
    khala_idle_timeout_ms: Positive = 60_000
    #: Per-connection outbound queue; at least twice the contract's batch cap, so every frame fits.
    khala_outbound_queue_bytes: Annotated[int, msgspec.Meta(ge=2 * MAX_BATCH_BYTES)] = MAX_OUTBOUND_QUEUE_BYTES
    khala_inbound_rate_per_second: Positive = 20
    khala_inbound_burst: Positive = 40
    khala_max_connections_per_user: Positive = 16
    #: Compatibility window; empty build bounds are open.
    khala_min_client_build_id: str = ""
    khala_max_client_build_id: str = ""
    khala_min_schema_version: Positive = 1
    khala_max_schema_version: Positive = 1
    khala_retention_interval_ms: Positive = 300_000
    #: How often each node re-checks the heads of its topics (safety net under NOTIFY wake-ups).
    khala_head_check_interval_ms: Positive = 1_000
    #: ``POST /api/auth/register`` creates accounts without an emailed code; off unless enabled.
    auth_register_enabled: bool = False
    #: Seconds a resolved credential may be served from the per-process cache (0 = always ask
    #: PostgreSQL). Revocations evict it at once through NOTIFY; see docs/adr/0202.
    auth_cache_seconds: Annotated[float, msgspec.Meta(ge=0, le=60)] = 5.0
    #: How often an open shell asks whether a new bundle is active (service-worker update check).
    shell_update_check_seconds: Annotated[int, msgspec.Meta(ge=1, le=86400)] = 60
    #: Reverse proxies whose ``X-Forwarded-For`` is believed (client IP for rate limits and session records).
    trusted_proxies: tuple[str, ...] = ()
    #: Per-credential ceiling on the authenticated API (every worker shares it; docs/adr/0203):
    #: requests per second sustained, and the burst a credential may spend at once.
    api_rate_per_second: Annotated[float, msgspec.Meta(gt=0)] = 20.0
    api_burst: Positive = 600
    # Integrations (docs/INTEGRATIONS.md). Keyring of 32-byte AES keys, ``id:base64url,…``; the
    # active one encrypts, the others stay readable until ``openagents integrations rotate-keys``.
    integrations_encryption_keys: str = DEV_ENCRYPTION_KEYS
    #: Which key of the keyring encrypts new secrets (empty: the first one listed).
    integrations_active_key_id: str = ""
    #: Keys the runtime signs internal calls with, ``id:secret,…`` (``x-oa-internal-key-id`` names one).
    integrations_internal_keys: str = DEV_INTERNAL_KEYS
    #: Raw webhook bodies are kept this many days for audit, then pruned.
    integrations_webhook_retention_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 30
    resend_api_url: str = "https://api.resend.com"
    #: Signing secrets of the Resend webhook endpoint (``whsec_…``); several while rotating.
    resend_webhook_secrets: tuple[str, ...] = (DEV_RESEND_WEBHOOK_SECRET,)
    #: Sender of the "send test email" message.
    resend_test_from: str = "OpenAgents <onboarding@resend.dev>"
    google_client_id: str = ""
    google_client_secret: str = ""
    google_authorize_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_token_url: str = "https://oauth2.googleapis.com/token"
    google_revoke_url: str = "https://oauth2.googleapis.com/revoke"
    google_userinfo_url: str = "https://openidconnect.googleapis.com/v1/userinfo"
    google_scopes: str = "openid email https://www.googleapis.com/auth/gmail.send"
    #: Platform administrators (admin console, paywalls, moderation), by verified email. Empty in
    #: ``local`` means ``admin@openagents.local``; see ``domains/identity/admin.py``.
    admin_emails: tuple[str, ...] = ()
    #: The Codex access policy (ADR 0603): worker adapters whose workers may run a person's chat.
    #: Empty: ``codex`` in production (the seeds' first pass: ChatGPT-backed Codex only), every
    #: adapter (``codex,openai,demo``) elsewhere.
    codex_chat_adapters: tuple[str, ...] = ()
    # Autopilots and tools (docs/AUTOPILOTS.md). Hosts or networks (CIDR) ``http.fetch`` may reach
    # although they are not public (an intranet, a test server); empty: public addresses only.
    tools_http_allow: tuple[str, ...] = ()
    #: The OpenAI-compatible endpoint of autopilots whose model is ``openai[:<model>]``.
    autopilot_openai_url: str = ""
    autopilot_openai_key: str = ""
    autopilot_openai_model: str = ""
    # L402 and agent payments (docs/L402.md). ``fake`` settles instantly with real preimages and says
    # so in every response; ``lnd`` speaks LND's REST API at ``lnd_rest_url``.
    lightning_backend: Literal["fake", "lnd"] = "fake"
    lnd_rest_url: str = ""
    #: Hex of the LND macaroon sent as ``Grpc-Metadata-macaroon`` (never logged, never returned).
    lnd_macaroon_hex: str = ""
    #: LND's self-signed ``tls.cert``; empty verifies against the system's CA store.
    lnd_tls_cert_path: str = ""
    lnd_timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=300)] = 30.0
    #: Root secret of the macaroons this platform's paywalls mint (each token's key derives from it);
    #: empty derives one from ``session_secret`` (which production already requires to be strong).
    l402_macaroon_secret: str = ""
    #: Hosts or networks (CIDR) that the L402 client (paying external APIs) and paywall upstreams
    #: (``upstream_url``) may reach although they are not public: loopback, private, link-local,
    #: metadata addresses are refused otherwise. Development and tests only (a local upstream,
    #: this instance's own ``127.0.0.1`` paywalls); empty in production.
    l402_http_allow: tuple[str, ...] = ()
    #: A paywall's upstream: connect/read timeout, largest request body forwarded and response body
    #: relayed (``domains/l402/proxy.py``).
    l402_upstream_timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=300)] = 30.0
    l402_upstream_max_request_bytes: Annotated[int, msgspec.Meta(ge=0)] = 8 * 1024 * 1024
    l402_upstream_max_response_bytes: Annotated[int, msgspec.Meta(ge=0)] = 64 * 1024 * 1024
    # Operations (docs/ops/). ``/metrics`` in the Prometheus text format; off: no collection, 404.
    metrics_enabled: bool = True
    #: Bearer token a scraper must send; empty: only loopback peers may scrape (metrics/exposition.py).
    metrics_token: str = ""

    def __post_init__(self) -> None:
        if self.db_pool_min > self.db_pool_max:
            raise SettingsError(
                f"{ENV_PREFIX}DB_POOL_MIN ({self.db_pool_min}) must not exceed "
                f"{ENV_PREFIX}DB_POOL_MAX ({self.db_pool_max})"
            )
        if self.database_url and not self.database_url.startswith(("postgres://", "postgresql://")):
            raise SettingsError(
                f"{ENV_PREFIX}DATABASE_URL must start with postgresql:// (got {self.database_url[:20]!r}…)"
            )
        if self.env == "production":
            for name in PRODUCTION_SECRETS:
                _check_secret(name, getattr(self, name))
            if self.auth_register_enabled:
                # Registration creates accounts without proof that the caller owns the email, and its
                # 409 tells whether an email has an account: a test/development switch only.
                raise SettingsError(f"{ENV_PREFIX}AUTH_REGISTER_ENABLED is not allowed in production "
                                    "(accounts are created by signing in with an emailed code)")
        self._check_integrations()

    def _check_integrations(self) -> None:
        keys = parse_keyring(self.integrations_encryption_keys)
        if self.integrations_active_key_id and self.integrations_active_key_id not in keys:
            raise SettingsError(f"{ENV_PREFIX}INTEGRATIONS_ACTIVE_KEY_ID names {self.integrations_active_key_id!r}, "
                                f"which {ENV_PREFIX}INTEGRATIONS_ENCRYPTION_KEYS does not hold")
        internal = parse_internal_keys(self.integrations_internal_keys)
        for secret in self.resend_webhook_secrets:
            _check_webhook_secret(secret, strict=self.env == "production")
        if bool(self.google_client_id) != bool(self.google_client_secret):
            raise SettingsError(f"{ENV_PREFIX}GOOGLE_CLIENT_ID and {ENV_PREFIX}GOOGLE_CLIENT_SECRET go together")
        if self.env != "production":
            return
        if any(key_id.startswith("dev-only") for key_id in keys):
            raise SettingsError(f"{ENV_PREFIX}INTEGRATIONS_ENCRYPTION_KEYS must be set in production: "
                                f"id:key pairs, each key 32 random bytes in base64url; make one with {_MAKE_KEY}")
        for key_id, secret in internal.items():
            if key_id.startswith("dev-only") or len(secret) < 32:
                raise SettingsError(f"{ENV_PREFIX}INTEGRATIONS_INTERNAL_KEYS must be set in production, each secret "
                                    f"at least 32 characters; make one with {_MAKE_KEY}")
        if not self.resend_webhook_secrets or DEV_RESEND_WEBHOOK_SECRET in self.resend_webhook_secrets:
            raise SettingsError(f"{ENV_PREFIX}RESEND_WEBHOOK_SECRETS must be set in production: the endpoint's "
                                "signing secret(s) from Resend's webhook page (whsec_…)")
        if self.google_client_secret and len(self.google_client_secret) < 16:
            raise SettingsError(f"{ENV_PREFIX}GOOGLE_CLIENT_SECRET looks truncated: copy it from the Google "
                                "Cloud console's OAuth client page")

    @property
    def platform_admins(self) -> frozenset[str]:
        """Lower-cased admin emails; development gets one well-known admin so the console can be tried."""
        emails = self.admin_emails
        if not emails and self.env == "local":
            emails = (LOCAL_ADMIN_EMAIL,)
        return frozenset(e.strip().lower() for e in emails if e.strip())

    @property
    def chat_adapters(self) -> tuple[str, ...]:
        """The adapters the Codex access policy allows for chat (``codex_chat_adapters`` or its default)."""
        chosen = tuple(a.strip().lower() for a in self.codex_chat_adapters if a.strip())
        if chosen:
            return chosen
        return ("codex",) if self.env == "production" else ("codex", "openai", "demo")

    @property
    def uses_embedded_database(self) -> bool:
        return not self.database_url

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).resolve()

    def masked(self) -> dict[str, Any]:
        """The effective settings with secrets replaced, for ``openagents config``."""
        out: dict[str, Any] = {}
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if name in SECRET_FIELDS and value:
                value = "********"
            elif name == "database_url" and value:
                value = _mask_dsn_password(value)
            out[name] = value
        return out


#: Secrets a production process must be given, each strong (see :func:`_check_secret`).
PRODUCTION_SECRETS = ("sync_token_secret", "session_secret", "internal_api_key")
#: A production secret has at least this many characters …
MIN_SECRET_LENGTH = 32
#: … and at least this many bits by its characters' Shannon entropy (hex of 16 random bytes: ~122).
MIN_SECRET_BITS = 96
_MAKE_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


def secret_bits(value: str) -> float:
    """Entropy estimate: length × Shannon entropy of the character frequencies (no credit for length alone)."""
    if not value:
        return 0.0
    counts = Counter(value)
    n = len(value)
    return -n * sum(c / n * math.log2(c / n) for c in counts.values())


def _check_secret(name: str, value: str) -> None:
    """Refuse development defaults and weak values; ``kid:secret,…`` key lists are checked key by key."""
    env = f"{ENV_PREFIX}{name.upper()}"
    if value.startswith("dev-only") or not value:
        raise SettingsError(f"{env} must be set in production; make one with: {_MAKE_SECRET}")
    parts = [value]
    if name == "sync_token_secret" and ":" in value:
        parts = [item.split(":", 1)[1] for item in value.split(",") if item.strip()]
    for part in parts:
        if len(part) < MIN_SECRET_LENGTH or secret_bits(part) < MIN_SECRET_BITS:
            raise SettingsError(
                f"{env} is too weak for production (needs at least {MIN_SECRET_LENGTH} characters and "
                f"{MIN_SECRET_BITS} bits of entropy); make one with: {_MAKE_SECRET}"
            )
def parse_keyring(raw: str) -> dict[str, bytes]:
    """``id:base64url,…`` → {id: 32-byte key}, in the order listed; errors name the variable."""
    name = f"{ENV_PREFIX}INTEGRATIONS_ENCRYPTION_KEYS"
    keys: dict[str, bytes] = {}
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        key_id, sep, encoded = part.partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise SettingsError(f"{name}: each entry is id:base64url-key (id of 1-32 of A-Za-z0-9._-)")
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            raise SettingsError(f"{name}: key {key_id!r} is not base64url; make one with {_MAKE_KEY}") from None
        if len(key) != 32:
            raise SettingsError(f"{name}: key {key_id!r} has {len(key)} bytes, needs 32; make one with {_MAKE_KEY}")
        if key_id in keys:
            raise SettingsError(f"{name}: key id {key_id!r} is listed twice")
        keys[key_id] = key
    if not keys:
        raise SettingsError(f"{name} is empty: set id:key pairs; make a key with {_MAKE_KEY}")
    return keys


def parse_internal_keys(raw: str) -> dict[str, str]:
    """``id:secret,…`` → {id: secret} for signed internal calls."""
    name = f"{ENV_PREFIX}INTEGRATIONS_INTERNAL_KEYS"
    keys: dict[str, str] = {}
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        key_id, sep, secret = part.partition(":")
        if not sep or not _KEY_ID.match(key_id) or not secret:
            raise SettingsError(f"{name}: each entry is id:secret (id of 1-32 of A-Za-z0-9._-)")
        keys[key_id] = secret
    if not keys:
        raise SettingsError(f"{name} is empty: set id:secret pairs")
    return keys


def _check_webhook_secret(secret: str, *, strict: bool) -> None:
    name = f"{ENV_PREFIX}RESEND_WEBHOOK_SECRETS"
    body = secret.removeprefix("whsec_")
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise SettingsError(f"{name}: each secret is whsec_ followed by base64 (copy it from Resend)") from None
    if len(raw) < (24 if strict else 1):
        raise SettingsError(f"{name}: a signing secret has {len(raw)} bytes; Resend's have at least 24")


def _mask_dsn_password(dsn: str) -> str:
    scheme, sep, rest = dsn.partition("://")
    creds, at, host = rest.rpartition("@")
    if not at or ":" not in creds:
        return dsn
    user = creds.split(":", 1)[0]
    return f"{scheme}{sep}{user}:********@{host}"


def _field_env_names() -> dict[str, str]:
    return {f"{ENV_PREFIX}{name.upper()}": name for name in Settings.__struct_fields__}


#: Settings given in the environment as comma-separated lists.
_LIST_SETTINGS = frozenset({
    "allowed_origins", "trusted_proxies", "resend_webhook_secrets", "admin_emails", "l402_http_allow",
    "tools_http_allow", "codex_chat_adapters",
})


def _parse_env_value(name: str, raw: str) -> Any:
    if name in _LIST_SETTINGS:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build :class:`Settings` from ``environ`` (default: ``os.environ``) plus keyword overrides."""
    environ = os.environ if environ is None else environ
    known = _field_env_names()
    values: dict[str, Any] = {}
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        if key not in known:
            # Unknown OPENAGENTS_* variables are usually typos; say so instead of ignoring them.
            if key.startswith(("OPENAGENTS_TEST_", "OPENAGENTS_BENCH_")):
                continue
            raise SettingsError(f"unknown setting {key}; known settings: {', '.join(sorted(known))}")
        values[known[key]] = _parse_env_value(known[key], raw)
    values.update(overrides)
    try:
        return msgspec.convert(values, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(_readable(str(exc))) from None


def _readable(message: str) -> str:
    """Turn msgspec's ``… - at `$.port``` into a message naming the environment variable."""
    text, _, where = message.partition(" - at `$.")
    if where:
        field = where.rstrip("`").split("[", 1)[0].split(".", 1)[0]
        return f"{ENV_PREFIX}{field.upper()}: {text}"
    return message
