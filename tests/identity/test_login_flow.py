"""The sign-in journey a new user takes, end to end through the JSON API (local provider)."""

from __future__ import annotations

import asyncpg
from litestar.testing import AsyncTestClient

from tests.identity.conftest import pending_code


async def test_email_verify_refresh_replay_and_sign_in_again(client: AsyncTestClient, db: asyncpg.Connection) -> None:
    sent = await client.post("/api/auth/email", json={"email": "Grace@Example.com"})
    assert sent.status_code == 200
    challenge = sent.json()["data"]
    assert challenge["status"] == "code_sent" and challenge["email_hint"] == "gr***@example.com"

    code = await pending_code(db, "grace@example.com")
    assert code and len(code) == 6 and code.isdigit()
    verified = await client.post("/api/auth/verify", json={"email": "grace@example.com", "code": code,
                                                           "device_id": "cli:laptop"})
    assert verified.status_code == 200, verified.text
    data = verified.json()["data"]
    assert data["new_user"] is True and data["user"]["email"] == "grace@example.com"
    session = data["session"]
    assert session["access_token"].startswith("oa_at_") and session["refresh_token"].startswith("oa_rt_")
    assert session["device_id"] == "cli:laptop" and session["memberships"][0]["role"] == "owner"

    me = await client.get("/api/me", headers={"authorization": f"Bearer {session['access_token']}"})
    assert me.status_code == 200 and me.json()["data"]["user"]["email"] == "grace@example.com"

    first = await client.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert first.status_code == 200, first.text
    rotated = first.json()["data"]["session"]
    assert rotated["refresh_token"] != session["refresh_token"]
    assert first.json()["data"]["replaced_refresh_token_id"] == session["refresh_token_id"]
    # The old access token died with the rotation; the new one works.
    old_me = await client.get("/api/me", headers={"authorization": f"Bearer {session['access_token']}"})
    assert old_me.status_code == 401
    assert (await client.get("/api/me", headers={"authorization": f"Bearer {rotated['access_token']}"})).status_code == 200

    replay = await client.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert replay.status_code == 401
    error = replay.json()["error"]
    assert error["code"] == "reauth_required" and error["reason"] == "token_replay" and error["reauth_required"]
    # The replay ended the session: the newest tokens are dead too.
    after = await client.get("/api/me", headers={"authorization": f"Bearer {rotated['access_token']}"})
    assert after.status_code == 401 and after.json()["error"]["code"] == "reauth_required"
    again = await client.post("/api/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert again.status_code == 401 and again.json()["error"]["reason"] == "token_replay"
    revoked = await db.fetchrow("SELECT reason FROM khala_revoked_sessions WHERE session_id = $1",
                                session["session_id"])
    assert revoked["reason"] == "token_replay"

    # Sign in again: same user, a fresh session.
    await client.post("/api/auth/email", json={"email": "grace@example.com"})
    code = await pending_code(db, "grace@example.com")
    back = await client.post("/api/auth/verify", json={"email": "grace@example.com", "code": code})
    assert back.status_code == 200
    assert back.json()["data"]["new_user"] is False
    assert back.json()["data"]["user"]["id"] == data["user"]["id"]


async def test_wrong_code_is_422_and_burns_the_challenge_after_five(client: AsyncTestClient,
                                                                   db: asyncpg.Connection) -> None:
    await client.post("/api/auth/email", json={"email": "eve@example.com"})
    code = await pending_code(db, "eve@example.com")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = await client.post("/api/auth/verify", json={"email": "eve@example.com", "code": wrong})
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_code"
        assert "code" in response.json()["errors"]
    burnt = await client.post("/api/auth/verify", json={"email": "eve@example.com", "code": code})
    assert burnt.status_code == 422 and burnt.json()["error"]["code"] == "too_many_attempts"


async def test_code_works_once(client: AsyncTestClient, db: asyncpg.Connection) -> None:
    await client.post("/api/auth/email", json={"email": "once@example.com"})
    code = await pending_code(db, "once@example.com")
    first = await client.post("/api/auth/verify", json={"email": "once@example.com", "code": code})
    second = await client.post("/api/auth/verify", json={"email": "once@example.com", "code": code})
    assert first.status_code == 200 and second.status_code == 422


async def test_expired_code_is_refused(client: AsyncTestClient, db: asyncpg.Connection) -> None:
    await client.post("/api/auth/email", json={"email": "late@example.com"})
    code = await pending_code(db, "late@example.com")
    await db.execute("UPDATE auth_challenges SET expires_at = now() - interval '1 second'")
    response = await client.post("/api/auth/verify", json={"email": "late@example.com", "code": code})
    assert response.status_code == 422 and response.json()["error"]["code"] == "code_expired"
