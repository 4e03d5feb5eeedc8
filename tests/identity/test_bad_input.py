"""Bad input gets the 422 envelope with field errors (or 413 for oversize bodies), never a 500."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient


@pytest.mark.parametrize("email", ["", "plain", "a@b", "@example.com", "a b@example.com", "a@@example.com",
                                   "x" * 65 + "@example.com", "a@" + "b" * 250 + ".com", 42, None, ["a@b.c"]])
async def test_malformed_emails(client: AsyncTestClient, email) -> None:
    response = await client.post("/api/auth/email", json={"email": email})
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "invalid_request" and "email" in str(body["errors"])


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/auth/email", {"email": "a@example.com", "admin": True}, "admin"),
    ("/api/auth/verify", {"email": "a@example.com", "code": "12345"}, "code"),
    ("/api/auth/verify", {"email": "a@example.com", "code": 123456}, "code"),
    ("/api/auth/verify", {"email": "a@example.com", "code": "123456", "device_id": "has space"}, "device_id"),
    ("/api/auth/verify", {"email": "a@example.com"}, "code"),
    ("/api/auth/refresh", {"refresh_token": "x" * 1000}, "refresh_token"),
    ("/api/auth/refresh", {"refresh_token": 7}, "refresh_token"),
])
async def test_unknown_fields_wrong_types_and_bounds(client: AsyncTestClient, path, body, field) -> None:
    response = await client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert field in str(response.json()["errors"])


async def test_authenticated_bodies_are_validated_too(client, signed_in) -> None:
    me = await signed_in()
    cases = [
        ("POST", "/api/tokens", {"name": ""}, "name"),
        ("POST", "/api/tokens", {"name": "x" * 101}, "name"),
        ("POST", "/api/tokens", {"name": "x", "abilities": "*"}, "abilities"),
        ("POST", "/api/tokens", {"name": "x", "expires_at": "tomorrow"}, "expires_at"),
        ("PATCH", "/api/settings/profile", {"name": "x" * 256}, "name"),
        ("POST", "/api/orgs/active", {"org_id": ["org"]}, "org_id"),
        ("POST", "/api/sync/token", {"scopes": "runtime.run_events"}, "scopes"),
        ("POST", "/api/sync/token", {"topics": ["t"] * 51}, "topics"),
        ("POST", "/api/auth/sessions/revoke", {"session_ids": []}, "session_ids"),
    ]
    for method, path, body, field in cases:
        response = await client.request(method, path, json=body, headers=me.headers)
        assert response.status_code == 422, (path, body, response.text)
        assert field in str(response.json()["errors"]), (path, response.json())


async def test_invalid_utf8_is_422_not_500(client: AsyncTestClient) -> None:
    response = await client.post("/api/auth/email", content=b'{"email": "\xff@example.com"}',
                                 headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["errors"] == {"body": ["body is not valid UTF-8"]}


async def test_not_json_and_oversize_bodies(client: AsyncTestClient) -> None:
    garbage = await client.post("/api/auth/email", content=b"{not json", headers={"content-type": "application/json"})
    assert garbage.status_code == 422 and garbage.json()["error"]["code"] == "invalid_request"
    huge = await client.post("/api/auth/email", content=b'{"email": "' + b"a" * 20_000 + b'@example.com"}',
                             headers={"content-type": "application/json"})
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "payload_too_large"


async def test_unknown_token_path_and_method(client, signed_in) -> None:
    me = await signed_in()
    assert (await client.delete("/api/tokens/" + "x" * 100, headers=me.headers)).status_code == 404
    assert (await client.put("/api/tokens", headers=me.headers)).status_code == 405
