"""Security notifications: a sign-in, sessions signed out, a token created or revoked each append one
event to the person's ``user:{id}:notifications`` topic, in the change's own transaction."""

from __future__ import annotations

import json

from openagents_server.domains.identity.security_events import approximate_client


async def _events(db, user_id: str) -> list[tuple[str, dict]]:
    rows = await db.fetch("SELECT kind, payload FROM khala_events WHERE topic = $1 ORDER BY seq",
                          f"user:{user_id}:notifications")
    return [(r["kind"], json.loads(r["payload"]) if isinstance(r["payload"], str | bytes) else r["payload"])
            for r in rows]


async def test_a_sign_in_a_revoke_and_tokens_are_notified(client, db, signed_in) -> None:
    first = await signed_in("ada@example.com", device_id="dev-one")
    second = await signed_in("ada@example.com", device_id="dev-two")
    events = await _events(db, first.user_id)
    assert [k for k, _ in events] == ["security.sign_in", "security.sign_in"]
    assert events[1][1]["session_id"] == second.session_id and events[1][1]["title"].startswith("New sign-in: ")
    assert "ip" not in events[1][1]

    revoked = await client.post("/api/auth/sessions/revoke", json={"revoke_all": True}, headers=second.headers)
    assert revoked.status_code == 200, revoked.text
    created = await client.post("/api/tokens", json={"name": "ci"}, headers=second.headers)
    assert created.status_code == 201, created.text
    deleted = await client.delete(f"/api/tokens/{created.json()['data']['id']}", headers=second.headers)
    assert deleted.status_code == 200, deleted.text
    kinds = [(k, p["title"]) for k, p in (await _events(db, first.user_id))[2:]]
    assert kinds == [("security.sessions_revoked", "1 session signed out"),
                     ("security.token_created", "Access token “ci” created"),
                     ("security.token_revoked", "1 access token revoked")]


def test_the_client_is_approximate() -> None:
    chrome = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
              "Safari/537.36")
    assert approximate_client(chrome) == "Chrome on Linux"
    assert approximate_client("curl/8.5.0") == "curl"
    assert approximate_client(None) == "an unknown client"
