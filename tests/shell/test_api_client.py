"""The API client against a scripted fake fetch: the error envelope mapped to what a person sees."""

from __future__ import annotations

import asyncio
import json

from openagents_shell.api.client import (
    ApiClient,
    FieldErrors,
    Ok,
    Problem,
    RateLimited,
    SignInNeeded,
    Unavailable,
    backoff_s,
)
from openagents_shell.api.types import Profile, ProfileUpdate
from openagents_shell.host.base import NetworkError
from openagents_shell.host.fake import FakeClock, FakeCookies, FakeFetch, json_response

PROFILE = {"id": "u1", "email": "a@example.com", "name": "Ada", "identity": {}, "created_at": "t0", "updated_at": "t1"}


def envelope(code: str, message: str, **extra: object) -> dict[str, object]:
    errors = extra.pop("errors", None)
    body: dict[str, object] = {"message": message, "error": {"code": code, "message": message, **extra}}
    if errors:
        body["errors"] = errors
    return body


def client(fetch: FakeFetch, *, csrf: str | None = "c5rf") -> tuple[ApiClient, FakeClock]:
    clock = FakeClock()
    jar = {"oa_csrf": csrf} if csrf else {}
    return ApiClient(fetch, FakeCookies(jar), clock, current_path="/settings/profile"), clock


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_ok_decodes_the_data_envelope_and_reads_carry_no_csrf_or_key() -> None:
    fetch = FakeFetch()
    fetch.queue("GET", "/api/settings/profile", json_response(200, {"data": PROFILE}))
    api, _ = client(fetch)
    out = run(api.request("GET", "/api/settings/profile", Profile))
    assert out == Ok(Profile(id="u1", email="a@example.com", name="Ada", updated_at="t1"))
    headers = fetch.seen[0][2]
    assert "x-csrf-token" not in headers and "idempotency-key" not in headers


def test_mutation_carries_csrf_echo_and_idempotency_key_and_json_body() -> None:
    fetch = FakeFetch()
    fetch.queue("PATCH", "/api/settings/profile", json_response(200, {"data": PROFILE}))
    api, _ = client(fetch)
    run(api.request("PATCH", "/api/settings/profile", Profile, ProfileUpdate(name="Ada")))
    _method, _url, headers, body = fetch.seen[0]
    assert headers["x-csrf-token"] == "c5rf"
    assert headers["idempotency-key"] == "key-1"
    assert headers["content-type"] == "application/json"
    assert json.loads(body or b"") == {"name": "Ada"}


def test_422_gives_messages_at_the_fields() -> None:
    fetch = FakeFetch()
    fetch.queue("PATCH", "/api/settings/profile", json_response(422, envelope(
        "validation_failed", "Check the highlighted fields.", errors={"name": ["Enter a name."]})))
    api, _ = client(fetch)
    out = run(api.request("PATCH", "/api/settings/profile", Profile, {"name": ""}))
    assert out == FieldErrors("Check the highlighted fields.", {"name": ("Enter a name.",)})


def test_401_refreshes_once_silently_then_retries_with_the_same_key() -> None:
    fetch = FakeFetch()
    unauth = json_response(401, envelope("unauthenticated", "Sign in."))
    fetch.queue("PATCH", "/api/settings/profile", unauth, json_response(200, {"data": PROFILE}))
    fetch.queue("POST", "/api/auth/refresh", json_response(200, {"data": {}}))
    api, _ = client(fetch)
    out = run(api.request("PATCH", "/api/settings/profile", Profile, {"name": "Ada"}))
    assert isinstance(out, Ok)
    assert [(m, u) for m, u, _h, _b in fetch.seen] == [
        ("PATCH", "/api/settings/profile"), ("POST", "/api/auth/refresh"), ("PATCH", "/api/settings/profile")]
    assert fetch.seen[0][2]["idempotency-key"] == fetch.seen[2][2]["idempotency-key"]
    assert fetch.seen[1][2]["x-csrf-token"] == "c5rf"


def test_401_with_failed_refresh_asks_for_sign_in_with_next() -> None:
    fetch = FakeFetch()
    fetch.queue("GET", "/api/settings/profile", json_response(401, envelope("unauthenticated", "Sign in.")))
    fetch.queue("POST", "/api/auth/refresh", json_response(401, envelope("unauthenticated", "Sign in.")))
    api, _ = client(fetch)
    out = run(api.request("GET", "/api/settings/profile", Profile))
    assert out == SignInNeeded("/settings/profile")
    assert isinstance(out, SignInNeeded) and out.href == "/login?next=/settings/profile"
    assert len(fetch.seen) == 2  # one refresh, no loop


def test_reauth_required_skips_the_refresh_and_carries_the_reason() -> None:
    fetch = FakeFetch()
    fetch.queue("POST", "/api/auth/sessions/revoke", json_response(
        401, envelope("reauth_required", "Sign in again.", reason="recent_auth")))
    api, _ = client(fetch)
    out = run(api.request("POST", "/api/auth/sessions/revoke", dict, {}))
    assert out == SignInNeeded("/settings/profile", "recent_auth")
    assert len(fetch.seen) == 1


def test_403_404_409_426_become_problems_with_the_servers_message() -> None:
    for status, kind in ((403, "not_allowed"), (404, "not_found"), (409, "conflict"), (426, "reload")):
        fetch = FakeFetch()
        fetch.queue("GET", "/api/x", json_response(status, envelope("c", f"msg {status}")))
        api, _ = client(fetch)
        assert run(api.request("GET", "/api/x", dict)) == Problem(kind, f"msg {status}", "c")


def test_429_counts_down_from_retry_after() -> None:
    fetch = FakeFetch()
    fetch.queue("POST", "/api/auth/email", json_response(
        429, envelope("rate_limited", "Too many codes."), **{"retry-after": "42"}))
    api, _ = client(fetch)
    assert run(api.request("POST", "/api/auth/email", dict, {"email": "a@example.com"})) == \
        RateLimited(42.0, "Too many codes.")


def test_5xx_and_network_errors_retry_with_backoff_then_succeed() -> None:
    fetch = FakeFetch()
    fetch.queue("PATCH", "/api/settings/profile", NetworkError("down"),
                json_response(503, envelope("unavailable", "Busy.")), json_response(200, {"data": PROFILE}))
    api, clock = client(fetch)
    out = run(api.request("PATCH", "/api/settings/profile", Profile, {"name": "Ada"}))
    assert isinstance(out, Ok)
    assert clock.slept == [0.5, 1.0]  # jitter at random()=0.5 is neutral
    keys = {h["idempotency-key"] for _m, _u, h, _b in fetch.seen}
    assert keys == {"key-1"}  # a retry never applies twice


def test_network_down_for_every_try_reports_offline() -> None:
    fetch = FakeFetch()
    fetch.queue("GET", "/api/x", *[NetworkError("down")] * 4)
    api, clock = client(fetch)
    out = run(api.request("GET", "/api/x", dict))
    assert isinstance(out, Unavailable) and out.offline
    assert len(fetch.seen) == 4 and len(clock.slept) == 3


def test_backoff_doubles_and_is_capped_with_jitter() -> None:
    assert [backoff_s(n, 0.5) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert backoff_s(10, 0.0) == 6.0 and backoff_s(10, 1.0) == 10.0
