"""Moved to :mod:`openagents_server.netguard` (shared with the L402 client and the paywalls' upstream
proxy); this name stays so the tools' imports keep working."""

from openagents_server.netguard import (  # noqa: F401 - re-exported
    MAX_BYTES,
    MAX_REDIRECTS,
    METADATA,
    TIMEOUT_SECONDS,
    AllowList,
    Blocked,
    FetchFailed,
    check,
    fetch,
    refusal,
    resolve,
)
