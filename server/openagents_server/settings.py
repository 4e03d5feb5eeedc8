"""One typed settings object, read from ``OPENAGENTS_*`` environment variables.

Every field maps to ``OPENAGENTS_<FIELD_NAME_UPPER>``. Values are validated once, at start, and an
invalid value is reported with the variable's name and what was expected.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from openagents_proto.sync.limits import MAX_BATCH_BYTES, MAX_OUTBOUND_QUEUE_BYTES

ENV_PREFIX = "OPENAGENTS_"

#: Field names whose values are never printed.
SECRET_FIELDS = frozenset(
    {"sync_token_secret", "internal_api_key", "workos_api_key", "session_secret", "test_login_secret"}
)

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


def _mask_dsn_password(dsn: str) -> str:
    scheme, sep, rest = dsn.partition("://")
    creds, at, host = rest.rpartition("@")
    if not at or ":" not in creds:
        return dsn
    user = creds.split(":", 1)[0]
    return f"{scheme}{sep}{user}:********@{host}"


def _field_env_names() -> dict[str, str]:
    return {f"{ENV_PREFIX}{name.upper()}": name for name in Settings.__struct_fields__}


def _parse_env_value(name: str, raw: str) -> Any:
    if name in ("allowed_origins", "trusted_proxies"):
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
