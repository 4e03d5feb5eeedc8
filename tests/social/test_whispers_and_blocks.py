"""Whispers and blocks: who may read, send and mark; the authorization matrix over every endpoint."""

from __future__ import annotations

import asyncpg
import pytest


async def _whisper(http, sender, recipient, text="psst"):
    return await http.post("/api/whispers", json={"recipient_id": recipient.user_id, "text": text},
                           headers=sender.headers)


async def test_a_whisper_is_seen_by_both_people_and_counted_unread_for_the_recipient(http, person) -> None:
    ada, bob = await person("ada"), await person("bob")
    sent = await _whisper(http, ada, bob, "hi bob")
    assert sent.status_code == 201, sent.text
    whisper = sent.json()["data"]
    assert whisper["sender"]["id"] == ada.user_id and whisper["recipient"]["id"] == bob.user_id
    assert whisper["read_at"] is None
    bobs = (await http.get("/api/whispers", headers=bob.headers)).json()["data"]
    adas = (await http.get("/api/whispers", params={"with": bob.user_id}, headers=ada.headers)).json()["data"]
    assert [w["id"] for w in bobs["whispers"]] == [whisper["id"]] == [w["id"] for w in adas["whispers"]]
    assert bobs["unread_count"] == 1 and adas["unread_count"] == 0
    conversations = (await http.get("/api/whispers/conversations", headers=bob.headers)).json()["data"]
    assert conversations["unread_count"] == 1
    assert [(c["person"]["id"], c["unread_count"], c["last_whisper"]["text"]) for c in conversations["conversations"]] \
        == [(ada.user_id, 1, "hi bob")]


async def test_only_the_recipient_marks_read_and_a_stranger_learns_nothing(http, person) -> None:
    ada, bob, eve = await person("ada"), await person("bob"), await person("eve")
    whisper = (await _whisper(http, ada, bob)).json()["data"]
    path = f"/api/whispers/{whisper['id']}/read"
    assert (await http.patch(path)).status_code == 401
    by_eve = await http.patch(path, headers=eve.headers)
    assert by_eve.status_code == 404  # not 403: a stranger cannot learn the whisper exists
    by_ada = await http.patch(path, headers=ada.headers)
    assert by_ada.status_code == 403 and by_ada.json()["error"]["code"] == "not_recipient"
    read = await http.patch(path, headers=bob.headers)
    assert read.status_code == 200
    assert read.json()["data"]["read_at"] is not None
    again = await http.patch(path, headers=bob.headers)
    assert again.json()["data"]["read_at"] == read.json()["data"]["read_at"]
    assert (await http.get("/api/whispers", headers=bob.headers)).json()["data"]["unread_count"] == 0
    seen_by_ada = (await http.get("/api/whispers", headers=ada.headers)).json()["data"]["whispers"][0]
    assert seen_by_ada["read_at"] == read.json()["data"]["read_at"]  # the sender sees it read
    eves = (await http.get("/api/whispers", params={"with": ada.user_id}, headers=eve.headers)).json()["data"]
    assert eves["whispers"] == []


async def test_whisper_input_rules(http, person, database_url) -> None:
    ada, bob = await person("ada"), await person("bob")
    cases = [
        ({"recipient_id": ada.user_id, "text": "me"}, 422, "whisper_to_self"),
        ({"recipient_id": "user_nobody", "text": "hi"}, 404, "person_not_found"),
        ({"recipient_id": bob.user_id, "text": "   "}, 422, "empty_text"),
        ({"recipient_id": bob.user_id, "text": "y" * 501}, 422, "text_too_long"),
        ({"recipient_id": bob.user_id, "text": "a\x7fb"}, 422, "control_characters"),
        ({"recipient_id": "bad id!", "text": "hi"}, 422, "invalid_request"),
        ({"recipient_id": bob.user_id}, 422, "invalid_request"),
    ]
    for body, status, code in cases:
        refused = await http.post("/api/whispers", json=body, headers=ada.headers)
        assert (refused.status_code, refused.json()["error"]["code"]) == (status, code), body
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM whispers") == 0
    finally:
        await conn.close()


async def test_a_blocked_persons_whispers_are_refused_and_their_shouts_hidden(http, person) -> None:
    ada, bob, cat = await person("ada"), await person("bob"), await person("cat")
    await http.post("/api/shouts", json={"text": "bob shouts"}, headers=bob.headers)
    await http.post("/api/shouts", json={"text": "cat shouts"}, headers=cat.headers)
    blocked = await http.post(f"/api/social/blocks/{bob.user_id}", headers=ada.headers)
    assert blocked.status_code == 200, blocked.text
    assert blocked.json()["data"]["person"]["id"] == bob.user_id
    refused = await _whisper(http, bob, ada)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "blocked"
    mine = await _whisper(http, ada, bob)
    assert mine.status_code == 403 and mine.json()["error"]["code"] == "blocked_by_you"
    for_ada = [s["text"] for s in (await http.get("/api/shouts", headers=ada.headers)).json()["data"]["shouts"]]
    assert for_ada == ["cat shouts"]
    for_anyone = [s["text"] for s in (await http.get("/api/shouts")).json()["data"]["shouts"]]
    assert for_anyone == ["cat shouts", "bob shouts"]
    listed = (await http.get("/api/social/blocks", headers=ada.headers)).json()["data"]["blocks"]
    assert [b["person"]["id"] for b in listed] == [bob.user_id]
    unblocked = await http.delete(f"/api/social/blocks/{bob.user_id}", headers=ada.headers)
    assert unblocked.json()["data"] == {"user_id": bob.user_id, "was_blocked": True}
    assert (await _whisper(http, bob, ada)).status_code == 201


async def test_blocking_twice_keeps_one_block_and_yourself_or_nobody_is_refused(http, person) -> None:
    ada, bob = await person("ada"), await person("bob")
    first = await http.post(f"/api/social/blocks/{bob.user_id}", headers=ada.headers)
    again = await http.post(f"/api/social/blocks/{bob.user_id}", headers=ada.headers)
    assert first.json()["data"] == again.json()["data"]
    assert (await http.post(f"/api/social/blocks/{ada.user_id}", headers=ada.headers)).status_code == 422
    assert (await http.post("/api/social/blocks/user_nobody", headers=ada.headers)).status_code == 404
    gone = await http.delete("/api/social/blocks/user_nobody", headers=ada.headers)
    assert gone.json()["data"]["was_blocked"] is False


# The matrix: every endpoint × (anonymous, author/owner, other person, blocked person).
# ``{shout}`` is Ada's shout, ``{whisper}`` Ada → Bob; Bob blocked Mal. Expected statuses.
MATRIX = [
    # method, path, body, anonymous, ada (author/sender), bob (recipient/other), mal (blocked by bob)
    ("GET", "/api/shouts", None, 200, 200, 200, 200),
    ("GET", "/api/shouts/zones", None, 200, 200, 200, 200),
    ("POST", "/api/shouts", {"text": "t-{who}"}, 401, 201, 201, 201),
    ("POST", "/api/shouts/{shout}/report", {}, 401, 422, 201, 201),
    ("GET", "/api/whispers", None, 401, 200, 200, 200),
    ("GET", "/api/whispers/conversations", None, 401, 200, 200, 200),
    ("POST", "/api/whispers", {"recipient_id": "{bob}", "text": "w"}, 401, 201, 422, 403),
    ("PATCH", "/api/whispers/{whisper}/read", None, 401, 403, 200, 404),
    ("GET", "/api/social/blocks", None, 401, 200, 200, 200),
    ("POST", "/api/social/blocks/{ada}", None, 401, 422, 200, 200),
    ("DELETE", "/api/social/blocks/{ada}", None, 401, 200, 200, 200),
]


@pytest.mark.parametrize("row", MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX])
async def test_authorization_matrix(http, person, row) -> None:
    method, path, body, *expected = row
    ada, bob, mal = await person("ada"), await person("bob"), await person("mal")
    assert (await http.post(f"/api/social/blocks/{mal.user_id}", headers=bob.headers)).status_code == 200
    shout = (await http.post("/api/shouts", json={"text": "ada's"}, headers=ada.headers)).json()["data"]
    whisper = (await _whisper(http, ada, bob)).json()["data"]
    ids = {"shout": shout["id"], "whisper": whisper["id"], "bob": bob.user_id, "ada": ada.user_id}
    got = []
    for who, headers in (("anon", {}), ("ada", ada.headers), ("bob", bob.headers), ("mal", mal.headers)):
        fill = {**ids, "who": who}
        json = {k: v.format(**fill) if isinstance(v, str) else v for k, v in body.items()} if body is not None else None
        response = await http.request(method, path.format(**fill), json=json, headers=headers)
        got.append(response.status_code)
    assert got == expected
