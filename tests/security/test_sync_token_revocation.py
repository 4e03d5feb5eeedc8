"""Issue 18 point 2: a sync token stops working over HTTP once its session, PAT or account is gone."""

from __future__ import annotations

import httpx

from tests.security.conftest import signed_in_live


def _snapshot(http: httpx.Client, token: str, user_id: str) -> httpx.Response:
    return http.get("/api/sync/snapshot", params={"topic": f"user:{user_id}:workers"},
                    headers={"authorization": f"Bearer {token}"})


def _sync_token(http: httpx.Client, bearer: str) -> str:
    minted = http.post("/api/sync/token", headers={"authorization": f"Bearer {bearer}"})
    assert minted.status_code == 200, minted.text
    return minted.json()["data"]["token"]


def _assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "reauth_required"
    assert response.json()["error"]["reason"] == "session_revoked"


def test_after_logout(server, database_url) -> None:
    me = signed_in_live(server.url, database_url)
    with httpx.Client(base_url=server.url) as http:
        token = _sync_token(http, me.access_token)
        assert _snapshot(http, token, me.user_id).status_code == 200
        assert http.post("/api/auth/logout", headers=me.headers).status_code == 200
        _assert_refused(_snapshot(http, token, me.user_id))


def test_after_the_pat_is_deleted(server, database_url) -> None:
    me = signed_in_live(server.url, database_url)
    with httpx.Client(base_url=server.url) as http:
        pat = http.post("/api/tokens", headers=me.headers, json={"name": "sync", "abilities": ["sync:token"]}).json()
        token = _sync_token(http, pat["data"]["token"])
        assert _snapshot(http, token, me.user_id).status_code == 200
        assert http.delete(f"/api/tokens/{pat['data']['id']}", headers=me.headers).status_code == 200
        _assert_refused(_snapshot(http, token, me.user_id))


def test_after_the_account_is_deleted(server, database_url) -> None:
    me = signed_in_live(server.url, database_url)
    with httpx.Client(base_url=server.url) as http:
        token = _sync_token(http, me.access_token)
        assert _snapshot(http, token, me.user_id).status_code == 200
        deleted = http.request("DELETE", "/api/settings/profile", headers=me.headers, json={"email": me.email})
        assert deleted.status_code == 200, deleted.text
        _assert_refused(_snapshot(http, token, me.user_id))
