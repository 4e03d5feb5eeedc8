"""The local demo worker that ``openagents serve`` starts in the ``local`` environment (never in
``test`` or ``production``), so a newcomer can chat at once.

It belongs to a local account, ``newcomer@openagents.local``: ``serve`` prints a sign-in link for it
(the dev sign-in route, local only), mints a fresh PAT for the worker (replacing the previous run's)
and runs ``openagents worker run --adapter demo --worker-id demo-local`` as a child process that
stops with the server. Any failure here is printed and skipped: the server still starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys

import asyncpg

from openagents_server.settings import Settings

DEMO_EMAIL = "newcomer@openagents.local"
DEMO_WORKER_ID = "demo-local"
TOKEN_NAME = "local demo worker"


async def _credentials(dsn: str, settings: Settings) -> str:
    from openagents_server.domains.identity import sign_in
    from openagents_server.domains.identity.context import AuthContext
    from openagents_server.domains.identity.credential_cache import CredentialCache
    from openagents_server.domains.identity.providers.base import ProviderIdentity
    from openagents_server.domains.identity.providers.local import local_user_id
    from openagents_server.domains.tokens import service as tokens

    cache = CredentialCache(ttl=settings.auth_cache_seconds)
    from openagents_server.db.pool import init_connection

    conn = await asyncpg.connect(dsn)
    try:
        await init_connection(conn)
        async with conn.transaction():
            user, _ = await sign_in.mirror_user(conn, cache, "local",
                                                ProviderIdentity(local_user_id(DEMO_EMAIL), DEMO_EMAIL, "Newcomer"))
        auth = AuthContext(user_id=user.id, email=DEMO_EMAIL, name="Newcomer", kind="session")
        for token in await tokens.list_tokens(conn, auth):
            if token["name"] == TOKEN_NAME:
                await tokens.delete(conn, cache, auth, token["id"])
        created = await tokens.create(conn, auth, name=TOKEN_NAME, abilities=["runtime:write", "sync:token"], expires_at=None)
        return created["token"]
    finally:
        await conn.close()


def sign_in_url(settings: Settings) -> str:
    from openagents_server.domains.identity import dev_login

    query = dev_login.signed_query(settings.test_login_secret, DEMO_EMAIL, name="Newcomer", ttl_seconds=24 * 3600)
    return f"{settings.public_origin.rstrip('/')}/internal/test-login?{query}"


def start(settings: Settings, dsn: str) -> subprocess.Popen[bytes] | None:
    """Start the demo worker (local environment only); None if not started."""
    if settings.env != "local":
        return None
    try:
        token = asyncio.run(_credentials(dsn, settings))
    except Exception as exc:  # noqa: BLE001 - the demo is a convenience; the server starts regardless
        print(f"demo worker not started: {exc}", file=sys.stderr)
        return None
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    env = {**os.environ, "OPENAGENTS_TOKEN": token, "OPENAGENTS_URL": f"http://{host}:{settings.port}"}
    proc = subprocess.Popen([sys.executable, "-m", "openagents_server.cli", "worker", "run", "--adapter", "demo",
                             "--worker-id", DEMO_WORKER_ID], env=env)
    print(f"demo worker started (pid {proc.pid}); chat with it as {DEMO_EMAIL}: {sign_in_url(settings)}",
          file=sys.stderr)
    return proc


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(5)
