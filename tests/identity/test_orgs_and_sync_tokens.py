"""Org memberships and policy, and Khala sync tokens: scopes, topics, binding, key rotation."""

from __future__ import annotations

import asyncpg
import jwt
import pytest
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.khala.log import register_topic
from openagents_server.khala.tokens import SigningKeys, verify_sync_token
from openagents_server.settings import Settings, load_settings

from tests.identity.conftest import sign_in


async def _team(db: asyncpg.Connection, user_id: str, role: str, org_id: str = "org_team") -> str:
    await db.execute("INSERT INTO orgs (id, slug, name) VALUES ($1, $1, 'Team') ON CONFLICT DO NOTHING", org_id)
    await db.execute("INSERT INTO org_memberships (org_id, user_id, role) VALUES ($1, $2, $3)", org_id, user_id, role)
    return org_id


async def test_personal_org_membership_and_switching_active_org(client, db, signed_in) -> None:
    me = await signed_in()
    listing = (await client.get("/api/orgs/memberships", headers=me.headers)).json()["data"]
    personal = listing["memberships"][0]
    assert personal["role"] == "owner" and personal["default_org"] and personal["personal"]
    assert listing["active_org_id"] == personal["org_id"]

    team = await _team(db, me.user_id, "viewer")
    switched = await client.post("/api/orgs/active", json={"org_id": team}, headers=me.headers)
    assert switched.status_code == 200 and switched.json()["data"]["active_org_id"] == team
    assert (await client.get("/api/me", headers=me.headers)).json()["data"]["active_org_id"] == team
    stranger = await client.post("/api/orgs/active", json={"org_id": "org_elsewhere"}, headers=me.headers)
    assert stranger.status_code == 403 and stranger.json()["error"]["reason"] == "not_a_member"


async def test_policy_authorize_reports_each_denial(client, db, signed_in) -> None:
    me = await signed_in()
    allowed = await client.post("/api/policy/authorize", headers=me.headers, json={
        "required_scopes": ["runtime.codex_worker_events"], "requested_topics": [f"user:{me.user_id}:workers"]})
    assert allowed.json()["data"]["allowed"] is True and allowed.json()["data"]["role"] == "owner"
    team = await _team(db, me.user_id, "viewer")
    denied = (await client.post("/api/policy/authorize", headers=me.headers, json={
        "org_id": team, "required_scopes": ["runtime.codex_worker_events", "nope"],
        "requested_topics": ["user:someone:workers", "bogus"]})).json()["data"]
    assert denied["allowed"] is False and denied["role"] == "viewer"
    reasons = {(d.get("scope") or d.get("topic")): d["reason"] for d in denied["denied_reasons"]}
    assert reasons == {"runtime.codex_worker_events": "scope_not_granted", "nope": "unknown_scope",
                       "user:someone:workers": "topic_owned_by_another_user", "bogus": "unknown_topic"}


async def test_sync_token_defaults_are_bound_to_session_and_device(client, settings: Settings, signed_in) -> None:
    me = await signed_in(device_id="ios:abc")
    response = await client.post("/api/sync/token", headers=me.headers)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    claims = verify_sync_token(data["token"], SigningKeys.parse(settings.sync_token_secret))
    assert claims.oa_user_id == me.user_id and claims.oa_session_id == me.session_id
    assert claims.oa_device_id == "ios:abc" and claims.exp - claims.iat == 300
    assert set(claims.oa_sync_scopes) == {"runtime.run_events", "runtime.codex_worker_events",
                                          "runtime.codex_worker_summaries", "notifications.read"}
    assert set(claims.oa_sync_topics) == {f"user:{me.user_id}:workers", f"user:{me.user_id}:notifications"}
    assert {t["topic"]: t["required_scope"] for t in data["granted_topics"]}[f"user:{me.user_id}:workers"] == \
        "runtime.codex_worker_summaries"
    assert data["audience"] == "openagents-sync" and data["claims_version"] == "oa_sync_claims_v1"
    v1 = await client.post("/api/v1/sync/token", headers=me.headers, json={"ttl_seconds": 60})
    assert v1.json()["data"]["expires_in_seconds"] == 60


async def test_sync_token_refuses_scopes_and_topics_outside_policy(client, db, signed_in) -> None:
    me = await signed_in()
    unknown = await client.post("/api/sync/token", headers=me.headers, json={"scopes": ["admin.everything"]})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "invalid_scope"
    foreign = await client.post("/api/sync/token", headers=me.headers, json={"topics": ["user:usr_other:workers"]})
    assert foreign.status_code == 403 and foreign.json()["error"]["reason"] == "topic_owned_by_another_user"
    malformed = await client.post("/api/sync/token", headers=me.headers, json={"topics": ["chat:1"]})
    assert malformed.status_code == 422 and "topics" in malformed.json()["errors"]
    scope_missing = await client.post("/api/sync/token", headers=me.headers, json={
        "scopes": ["notifications.read"], "topics": [f"user:{me.user_id}:workers"]})
    assert scope_missing.status_code == 422 and scope_missing.json()["error"]["code"] == "invalid_scope"
    other_org = await client.post("/api/sync/token", headers=me.headers, json={"topics": ["org:org_x:workers"]})
    assert other_org.status_code == 403
    unregistered_run = await client.post("/api/sync/token", headers=me.headers, json={"topics": ["run:r1:events"]})
    assert unregistered_run.status_code == 403 and unregistered_run.json()["error"]["reason"] == "unknown_resource"
    for ttl in (59, 901, "five minutes", None):
        bad = await client.post("/api/sync/token", headers=me.headers, json={"ttl_seconds": ttl})
        assert bad.status_code == 422 and "ttl_seconds" in str(bad.json()["errors"])
    denied = await db.fetchval("SELECT count(*) FROM audit_events WHERE event_name = 'sync.token.denied'")
    assert denied >= 4

    team = await _team(db, me.user_id, "viewer")
    await client.post("/api/orgs/active", json={"org_id": team}, headers=me.headers)
    viewer = await client.post("/api/sync/token", headers=me.headers, json={"scopes": ["runtime.codex_worker_events"]})
    assert viewer.status_code == 422 and viewer.json()["error"]["code"] == "invalid_scope"
    team_topics = (await client.post("/api/sync/token", headers=me.headers)).json()["data"]
    assert f"org:{team}:workers" in [t["topic"] for t in team_topics["granted_topics"]]
    assert "runtime.codex_worker_events" not in team_topics["granted_scopes"]


async def test_resource_topics_follow_the_registered_owner(client, db, signed_in) -> None:
    # The runtime records run/worker owners through Khala when it creates the resource.
    ada = await signed_in("ada@example.com")
    bob = await signed_in("bob@example.com")
    await register_topic(db, "run:r1:events", owner_user_id=ada.user_id)
    mine = await client.post("/api/sync/token", headers=ada.headers, json={"topics": ["run:r1:events"]})
    assert mine.status_code == 200 and mine.json()["data"]["granted_topics"][0]["required_scope"] == "runtime.run_events"
    theirs = await client.post("/api/sync/token", headers=bob.headers, json={"topics": ["run:r1:events"]})
    assert theirs.status_code == 403 and theirs.json()["error"]["reason"] == "resource_owned_by_another_user"


async def test_sync_token_device_mismatch_and_revoked_session(client, signed_in) -> None:
    me = await signed_in(device_id="ios:abc")
    mismatch = await client.post("/api/sync/token", headers=me.headers, json={"device_id": "ios:zzz"})
    assert mismatch.status_code == 403 and mismatch.json()["error"]["reason"] == "device_mismatch"
    await client.post("/api/auth/logout", headers=me.headers)
    after = await client.post("/api/sync/token", headers=me.headers)
    assert after.status_code == 401 and after.json()["error"]["code"] == "reauth_required"


async def test_legacy_khala_token_shape(client, signed_in) -> None:
    me = await signed_in()
    response = await client.post("/api/khala/token", headers=me.headers)
    data = response.json()["data"]
    assert response.status_code == 200
    assert set(data) == {"token", "token_type", "expires_in", "expires_at", "issuer", "audience", "subject",
                         "org_id", "scopes"}
    assert data["expires_in"] == 300 and data["token_type"] == "Bearer"


async def test_pat_with_sync_ability_gets_a_token_bound_to_the_pat(client, signed_in) -> None:
    me = await signed_in()
    pat = (await client.post("/api/tokens", headers=me.headers,
                             json={"name": "sync", "abilities": ["sync:token"]})).json()["data"]
    response = await client.post("/api/sync/token", headers={"authorization": f"Bearer {pat['token']}"})
    assert response.status_code == 200
    assert response.json()["data"]["session_id"] == pat["id"]


async def test_signing_key_rotation(database_url: str, db) -> None:
    def app_with(secret: str):
        return create_app(load_settings({}, env="test", database_url=database_url, log_level="warning",
                                        sync_token_secret=secret))

    old_spec, new_spec = "k1:" + "a" * 40, "k2:" + "b" * 40 + ",k1:" + "a" * 40
    async with AsyncTestClient(app_with(old_spec)) as client:
        me = await sign_in(client, db, "rot@example.com")
        old = (await client.post("/api/sync/token", headers=me.headers)).json()["data"]
    async with AsyncTestClient(app_with(new_spec)) as client:
        new = (await client.post("/api/sync/token", headers=me.headers)).json()["data"]
    assert old["key_id"] == "k1" and new["key_id"] == "k2"
    assert jwt.get_unverified_header(new["token"])["kid"] == "k2"
    rotated = SigningKeys.parse(new_spec)
    # Tokens signed by the old key keep verifying until they expire; new ones use the new key.
    assert verify_sync_token(old["token"], rotated).oa_user_id == me.user_id
    assert verify_sync_token(new["token"], rotated).oa_user_id == me.user_id
    with pytest.raises(Exception, match="unknown key"):
        verify_sync_token(new["token"], SigningKeys.parse(old_spec))
