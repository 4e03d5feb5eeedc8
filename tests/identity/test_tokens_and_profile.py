"""Personal access tokens vs sessions, and profile read/update/delete."""

from __future__ import annotations

from litestar.testing import AsyncTestClient


async def _pat(client: AsyncTestClient, headers: dict[str, str], **body) -> dict:
    response = await client.post("/api/tokens", headers=headers, json={"name": "ci", **body})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_pat_is_shown_once_and_works_as_bearer(client, db, signed_in) -> None:
    me = await signed_in()
    created = await _pat(client, me.headers, abilities=["profile:read", "tokens:read"])
    assert created["token"].startswith("oa_pat_") and created["abilities"] == ["profile:read", "tokens:read"]
    listing = await client.get("/api/tokens", headers=me.headers)
    assert created["token"] not in listing.text
    assert [t["id"] for t in listing.json()["data"]["tokens"]] == [created["id"]]
    assert listing.json()["data"]["tokens"][0]["last_used_at"] is None

    who = await client.get("/api/me", headers=_bearer(created["token"]))
    assert who.status_code == 200 and who.json()["data"]["credential"]["kind"] == "pat"
    assert await db.fetchval("SELECT last_used_at IS NOT NULL FROM personal_access_tokens") is True
    assert (await client.get("/api/settings/profile", headers=_bearer(created["token"]))).status_code == 200


async def test_pat_abilities_and_session_only_endpoints(client, signed_in) -> None:
    me = await signed_in()
    reader = (await _pat(client, me.headers, abilities=["profile:read"]))["token"]
    patch = await client.patch("/api/settings/profile", json={"name": "x"}, headers=_bearer(reader))
    assert patch.status_code == 403 and patch.json()["error"]["reason"] == "missing_ability"
    sync = await client.post("/api/sync/token", headers=_bearer(reader))
    assert sync.status_code == 403
    full = (await _pat(client, me.headers))["token"]  # default abilities: ["*"]
    for method, path, body in (
        ("POST", "/api/tokens", {"name": "escalate"}),
        ("POST", "/api/auth/sessions/revoke", {"revoke_all": True}),
        ("POST", "/api/auth/logout", None),
        ("GET", "/api/auth/session", None),
        ("DELETE", "/api/tokens", None),
    ):
        response = await client.request(method, path, json=body, headers=_bearer(full))
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"]["reason"] == "session_required"
    assert (await client.patch("/api/settings/profile", json={"name": "ok"}, headers=_bearer(full))).status_code == 200


async def test_pat_delete_current_by_id_and_all(client, db, signed_in) -> None:
    me = await signed_in()
    one, two, three = [(await _pat(client, me.headers, name=f"t{i}")) for i in range(3)]
    current = await client.delete("/api/tokens/current", headers=_bearer(one["token"]))
    assert current.status_code == 200 and current.json()["data"]["deleted_token_ids"] == [one["id"]]
    assert (await client.get("/api/me", headers=_bearer(one["token"]))).status_code == 401
    by_id = await client.delete(f"/api/tokens/{two['id']}", headers=me.headers)
    assert by_id.json()["data"]["deleted_token_ids"] == [two["id"]]
    assert (await client.delete(f"/api/tokens/{two['id']}", headers=me.headers)).status_code == 404
    everything = await client.delete("/api/tokens", headers=me.headers)
    assert everything.json()["data"]["deleted_token_ids"] == [three["id"]]
    assert (await client.get("/api/me", headers=_bearer(three["token"]))).status_code == 401
    revoked = {r[0] for r in await db.fetch("SELECT session_id FROM khala_revoked_sessions")}
    assert {one["id"], two["id"], three["id"]} <= revoked  # Khala drops sockets opened with them


async def test_pat_cannot_delete_another_users_token(client, signed_in) -> None:
    ada = await signed_in("ada@example.com")
    bob = await signed_in("bob@example.com")
    bobs = await _pat(client, bob.headers)
    assert (await client.delete(f"/api/tokens/{bobs['id']}", headers=ada.headers)).status_code == 404
    assert (await client.get("/api/me", headers=_bearer(bobs["token"]))).status_code == 200


async def test_expired_pat_is_refused_and_expiry_must_be_future(client, db, signed_in) -> None:
    me = await signed_in()
    created = await _pat(client, me.headers, expires_at="2099-01-01T00:00:00Z")
    assert created["expires_at"].startswith("2099-01-01")
    await db.execute("UPDATE personal_access_tokens SET expires_at = now() - interval '1 second'")
    response = await client.get("/api/me", headers=_bearer(created["token"]))
    assert response.status_code == 401 and response.json()["error"]["reason"] == "token_expired"
    past = await client.post("/api/tokens", headers=me.headers, json={"name": "x", "expires_at": "2001-01-01T00:00:00Z"})
    assert past.status_code == 422 and "expires_at" in past.json()["errors"]
    unknown = await client.post("/api/tokens", headers=me.headers, json={"name": "x", "abilities": ["root"]})
    assert unknown.status_code == 422 and "abilities" in unknown.json()["errors"]


async def test_profile_read_and_update(client, signed_in) -> None:
    me = await signed_in("prof@example.com")
    profile = await client.get("/api/settings/profile", headers=me.headers)
    assert profile.json()["data"]["email"] == "prof@example.com"
    updated = await client.patch("/api/settings/profile", json={"name": "  Prof  "}, headers=me.headers)
    assert updated.json()["data"]["name"] == "Prof"
    empty = await client.patch("/api/settings/profile", json={}, headers=me.headers)
    assert empty.status_code == 422
    email_change = await client.patch("/api/settings/profile", json={"email": "x@example.com"}, headers=me.headers)
    assert email_change.status_code == 422 and "email" in str(email_change.json()["errors"])


async def test_profile_delete_leaves_no_usable_credential(client, db, signed_in) -> None:
    laptop = await signed_in("gone@example.com", device_id="dev:laptop")
    phone = await signed_in("gone@example.com", device_id="dev:phone")
    pat = (await _pat(client, laptop.headers))["token"]
    wrong = await client.request("DELETE", "/api/settings/profile", json={"email": "other@example.com"},
                                 headers=laptop.headers)
    assert wrong.status_code == 422
    deleted = await client.request("DELETE", "/api/settings/profile", json={"email": "gone@example.com"},
                                   headers=laptop.headers)
    assert deleted.status_code == 200
    for headers in (laptop.headers, phone.headers, _bearer(pat)):
        assert (await client.get("/api/me", headers=headers)).status_code == 401
    for refresh in (laptop.refresh_token, phone.refresh_token):
        assert (await client.post("/api/auth/refresh", json={"refresh_token": refresh})).status_code == 401
    assert await db.fetchval("SELECT count(*) FROM users") == 0
    assert await db.fetchval("SELECT count(*) FROM auth_challenges") == 0
    assert await db.fetchval("SELECT count(*) FROM khala_revoked_sessions WHERE session_id = ANY($1::text[])",
                             [laptop.session_id, phone.session_id]) == 2
    audit = await db.fetchrow("SELECT user_id, attributes FROM audit_events WHERE event_name = 'profile.deleted'")
    assert audit["user_id"] == laptop.user_id
    assert "gone@example.com" not in str(await db.fetch("SELECT attributes FROM audit_events"))


async def _waiting_on_locks(db, count: int) -> None:
    import asyncio

    for _ in range(400):
        waiting = await db.fetchval("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                    "AND datname = current_database()")
        if waiting >= count:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"expected {count} transactions waiting on a lock")


async def test_deleting_the_account_beside_deleting_all_tokens_never_deadlocks(client, db, settings, signed_in) -> None:
    """The fuzzer found it on CI: account deletion and "delete all tokens" at once for one person took
    the same rows in opposite orders (the deletion records the tokens revoked, then deletes them; "delete
    all" deletes them, then records them revoked), and PostgreSQL killed one: a 500, later a 503.

    The test makes that order happen every time, on the two services with their own connections: it
    holds the sign-in challenge row that the deletion removes just before it deletes the user, so the
    deletion waits there with its revocations recorded while "delete all tokens" starts. Now both take
    the person's credentials lock first and simply queue: both finish, nothing is left behind."""
    import asyncio

    import asyncpg
    from openagents_server.db.pool import init_connection
    from openagents_server.domains.identity import profile
    from openagents_server.domains.identity.context import AuthContext
    from openagents_server.domains.identity.credential_cache import CredentialCache
    from openagents_server.domains.tokens import service as token_service

    me = await signed_in("race@example.com")
    tokens = [(await _pat(client, me.headers, name=f"t{i}"))["id"] for i in range(3)]
    auth = AuthContext(user_id=me.user_id, email=me.email, name=None, kind="session", session_id=me.session_id)
    holder, a, b = [await asyncpg.connect(settings.database_url) for _ in range(3)]
    for conn in (a, b):
        await init_connection(conn)  # the app pool's JSON codecs
    try:
        hold = holder.transaction()
        await hold.start()
        await holder.execute("SELECT 1 FROM auth_challenges WHERE email = $1 FOR UPDATE", me.email)
        deletion = asyncio.ensure_future(profile.delete(a, CredentialCache(ttl=0), auth, me.email))
        await _waiting_on_locks(db, 1)
        delete_all = asyncio.ensure_future(token_service.delete(b, CredentialCache(ttl=0), auth, None))
        await _waiting_on_locks(db, 2)
        await hold.rollback()
        outcomes = await asyncio.gather(deletion, delete_all, return_exceptions=True)
    finally:
        for conn in (holder, a, b):
            await conn.close()
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    assert await db.fetchval("SELECT count(*) FROM users WHERE id = $1", me.user_id) == 0
    assert await db.fetchval("SELECT count(*) FROM khala_revoked_sessions WHERE session_id = ANY($1)",
                             [*tokens, me.session_id]) == len(tokens) + 1  # Khala knows every one revoked
