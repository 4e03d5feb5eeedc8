"""Device sessions: replacement, revocation (one, by device, all but current), expiry, device binding."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
from litestar.testing import AsyncTestClient

from tests.identity.conftest import sign_in


async def _status(client: AsyncTestClient, token: str) -> tuple[int, str | None]:
    response = await client.get("/api/me", headers={"authorization": f"Bearer {token}"})
    return response.status_code, response.json().get("error", {}).get("reason")


async def test_new_login_on_same_device_replaces_the_old_session(client, db, signed_in) -> None:
    first = await signed_in(device_id="ios:phone-1")
    second = await signed_in(device_id="ios:phone-1")
    assert second.session_id != first.session_id
    assert await _status(client, first.access_token) == (401, "device_replaced")
    assert (await _status(client, second.access_token))[0] == 200
    assert await db.fetchval("SELECT reason FROM khala_revoked_sessions WHERE session_id = $1",
                             first.session_id) == "device_replaced"


async def test_revoke_one_session_by_id(client, db, signed_in) -> None:
    laptop = await signed_in(device_id="desktop:laptop")
    phone = await signed_in(device_id="ios:phone")
    response = await client.post("/api/auth/sessions/revoke", headers=laptop.headers,
                                 json={"session_ids": [phone.session_id]})
    assert response.status_code == 200
    assert response.json()["data"] == {"revoked_session_ids": [phone.session_id], "current_session_revoked": False}
    assert await _status(client, phone.access_token) == (401, "user_logout")
    assert (await _status(client, laptop.access_token))[0] == 200
    assert await db.fetchval("SELECT count(*) FROM khala_revoked_sessions WHERE session_id = $1", phone.session_id)


async def test_revoke_by_device(client, signed_in) -> None:
    laptop = await signed_in(device_id="desktop:laptop")
    phone = await signed_in(device_id="ios:phone")
    response = await client.post("/api/auth/sessions/revoke", headers=laptop.headers, json={"device_id": "ios:phone"})
    assert response.json()["data"]["revoked_session_ids"] == [phone.session_id]
    assert (await _status(client, phone.access_token))[0] == 401
    assert (await _status(client, laptop.access_token))[0] == 200


async def test_revoke_all_but_current_then_all(client, signed_in) -> None:
    sessions = [await signed_in(device_id=f"dev:{i}") for i in range(3)]
    current = sessions[0]
    kept = await client.post("/api/auth/sessions/revoke", headers=current.headers, json={"revoke_all": True})
    assert sorted(kept.json()["data"]["revoked_session_ids"]) == sorted(s.session_id for s in sessions[1:])
    assert (await _status(client, current.access_token))[0] == 200
    assert [(await _status(client, s.access_token))[0] for s in sessions[1:]] == [401, 401]

    everything = await client.post("/api/auth/sessions/revoke", headers=current.headers,
                                   json={"revoke_all": True, "include_current": True})
    assert everything.json()["data"] == {"revoked_session_ids": [current.session_id], "current_session_revoked": True}
    assert (await _status(client, current.access_token))[0] == 401


async def test_revoke_needs_exactly_one_target(client, signed_in) -> None:
    me = await signed_in()
    for body in ({}, {"device_id": "x", "revoke_all": True}):
        response = await client.post("/api/auth/sessions/revoke", headers=me.headers, json=body)
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


async def test_cannot_revoke_another_users_session(client, signed_in) -> None:
    ada = await signed_in("ada@example.com")
    bob = await signed_in("bob@example.com")
    response = await client.post("/api/auth/sessions/revoke", headers=ada.headers,
                                 json={"session_ids": [bob.session_id]})
    assert response.json()["data"]["revoked_session_ids"] == []
    assert (await _status(client, bob.access_token))[0] == 200


async def test_session_listing_marks_the_current_one(client, signed_in) -> None:
    a = await signed_in(device_id="dev:a")
    await signed_in(device_id="dev:b")
    listing = await client.get("/api/auth/sessions", headers=a.headers)
    rows = listing.json()["data"]["sessions"]
    assert {r["device_id"] for r in rows} == {"dev:a", "dev:b"}
    assert [r["current"] for r in rows if r["device_id"] == "dev:a"] == [True]
    current = await client.get("/api/auth/session", headers=a.headers)
    assert current.json()["data"]["session"]["session_id"] == a.session_id


async def test_logout_ends_the_session_and_its_refresh_token(client, db, signed_in) -> None:
    me = await signed_in()
    assert (await client.post("/api/auth/logout", headers=me.headers)).status_code == 200
    assert await _status(client, me.access_token) == (401, "user_logout")
    refresh = await client.post("/api/auth/refresh", json={"refresh_token": me.refresh_token})
    assert refresh.status_code == 401 and refresh.json()["error"]["reauth_required"] is True
    assert await db.fetchval("SELECT reason FROM khala_revoked_sessions WHERE session_id = $1", me.session_id) == "user_logout"


async def test_expired_access_token_asks_for_refresh_not_reauth(client, db, signed_in) -> None:
    me = await signed_in()
    await db.execute("UPDATE auth_sessions SET access_expires_at = now() - interval '1 second'")
    response = await client.get("/api/me", headers=me.headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert (error["code"], error["reason"], error["reauth_required"]) == ("unauthorized", "access_token_expired", False)
    refreshed = await client.post("/api/auth/refresh", json={"refresh_token": me.refresh_token})
    assert refreshed.status_code == 200


async def test_expired_refresh_token_ends_the_session(client, db, signed_in) -> None:
    me = await signed_in()
    await db.execute("UPDATE auth_refresh_tokens SET expires_at = now() - interval '1 second'")
    response = await client.post("/api/auth/refresh", json={"refresh_token": me.refresh_token})
    assert response.status_code == 401 and response.json()["error"]["reason"] == "refresh_token_expired"
    assert (await _status(client, me.access_token))[0] == 401
    assert await db.fetchval("SELECT status FROM auth_sessions WHERE id = $1", me.session_id) == "expired"


async def test_garbage_and_unknown_tokens_are_401(client) -> None:
    for header in ("Bearer nope", "Bearer oa_at_unknown", "Basic abc", "Bearer ", "Bearer " + "oa_at_" + "x" * 500):
        response = await client.get("/api/me", headers={"authorization": header})
        assert response.status_code == 401, header
        assert response.json()["error"]["code"] == "unauthorized"
    missing = await client.get("/api/me")
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    bad_refresh = await client.post("/api/auth/refresh", json={"refresh_token": "oa_rt_unknown"})
    assert bad_refresh.status_code == 401


async def test_device_mismatch_is_refused(client, signed_in) -> None:
    me = await signed_in(device_id="ios:mine")
    wrong = await client.get("/api/me", headers={**me.headers, "x-device-id": "ios:someone-else"})
    assert wrong.status_code == 403 and wrong.json()["error"]["reason"] == "device_mismatch"
    right = await client.get("/api/me", headers={**me.headers, "x-device-id": "ios:mine"})
    assert right.status_code == 200
    refresh = await client.post("/api/auth/refresh", json={"refresh_token": me.refresh_token, "device_id": "ios:other"})
    assert refresh.status_code == 401 and refresh.json()["error"]["reason"] == "device_mismatch"
    # A mismatch does not burn the token: the right device can still refresh.
    ok = await client.post("/api/auth/refresh", json={"refresh_token": me.refresh_token, "device_id": "ios:mine"})
    assert ok.status_code == 200


async def test_two_concurrent_refreshes_exactly_one_succeeds(live_server, database_url) -> None:
    server = live_server(workers=2)
    async with httpx.AsyncClient(base_url=server.url) as http:
        me = await sign_in(http, database_url, "race@example.com")
        for _ in range(3):  # a few rounds, so both orders and both workers get a chance
            fresh = await sign_in(http, database_url, "race@example.com")
            responses = await asyncio.gather(*[
                http.post("/api/auth/refresh", json={"refresh_token": fresh.refresh_token}) for _ in range(2)
            ])
            codes = sorted(r.status_code for r in responses)
            assert codes == [200, 401], [r.text for r in responses]
            loser = next(r for r in responses if r.status_code == 401)
            assert loser.json()["error"]["reason"] == "token_replay"
        conn = await asyncpg.connect(database_url)
        try:
            rotated = await conn.fetchval(
                "SELECT count(*) FROM auth_refresh_tokens r JOIN auth_sessions s ON s.id = r.session_id "
                "WHERE s.user_id = $1 AND r.status = 'rotated'", me.user_id)
        finally:
            await conn.close()
        assert rotated == 3  # exactly one rotation per round
