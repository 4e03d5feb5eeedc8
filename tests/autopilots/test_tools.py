"""``POST /api/runtime/tools/execute``: schema validation by a library, the policy decision with a
contract reason code, replay modes, idempotency, receipts, and http.fetch refusing private targets."""

from __future__ import annotations

import pytest

from tests.autopilots.conftest import Person


async def test_a_noop_call_is_allowed_and_receipted_deterministically(ada: Person) -> None:
    first = await ada.tool("inv-1", "noop", {"echo": "hi"})
    assert first.status_code == 200, first.text
    body = first.json()["data"]
    assert body["decision"]["decision"] == "allowed" and body["decision"]["reason_code"] == "policy_allowed.default"
    assert body["status"] == "succeeded" and body["result"] == {"echo": "hi"}
    assert body["receipt"]["schema"] == "openagents.tool_receipt.v1" and body["receipt"]["call_id"] == "inv-1"
    again = (await ada.tool("inv-1", "noop", {"echo": "hi"})).json()["data"]
    assert again["idempotent_replay"] is True and again["receipt_hash"] == body["receipt_hash"]
    reused = await ada.tool("inv-1", "noop", {"echo": "other"})
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "invocation_id_reused"


async def test_arguments_outside_the_tools_json_schema_are_422_at_the_field(ada: Person) -> None:
    response = await ada.tool("inv-2", "feed.post", {"text": ""})
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "invalid_arguments"
    assert body["error"]["reason"] == "manifest_validation.invalid_schema"
    assert "arguments.text" in body["errors"]
    extra = await ada.tool("inv-3", "noop", {"surprise": 1})
    assert extra.status_code == 422 and "arguments" in extra.json()["errors"]
    unknown = await ada.tool("inv-4", "shell.exec", {})
    assert unknown.status_code == 422 and unknown.json()["errors"] == {"tool": [unknown.json()["message"]]}


async def test_a_tool_outside_the_policy_is_denied_with_its_reason_code(ada: Person) -> None:
    autopilot = await ada.autopilot(tool_policy={"noop": "allow", "whisper.send": "ask"})
    denied = (await ada.tool("inv-5", "feed.post", {"text": "hi"}, autopilot_id=autopilot["id"])).json()["data"]
    assert denied["status"] == "denied" and denied["decision"]["reason_code"] == "policy_denied.explicit_deny"
    asked = (await ada.tool("inv-6", "whisper.send", {"recipient_id": "u", "text": "hi"},
                            autopilot_id=autopilot["id"])).json()["data"]
    assert asked["decision"]["decision"] == "needs_approval"
    assert asked["decision"]["reason_code"] == "policy_denied.consent_required" and asked["result"] is None
    shouts = (await ada.get("/api/shouts")).json()["data"]["shouts"]
    assert shouts == []


async def test_dry_run_decides_without_acting_and_replay_repeats_the_recorded_outcome(ada: Person) -> None:
    dry = (await ada.tool("inv-7", "feed.post", {"text": "dry"}, mode="dry_run")).json()["data"]
    assert dry["status"] == "dry_run" and dry["decision"]["decision"] == "allowed"
    assert (await ada.get("/api/shouts")).json()["data"]["shouts"] == []
    live = (await ada.tool("inv-8", "feed.post", {"text": "for real"})).json()["data"]
    assert live["status"] == "succeeded"
    replay = (await ada.tool("inv-9", "feed.post", {"text": "for real"}, mode="replay", replay_of="inv-8")).json()["data"]
    assert replay["receipt"] == live["receipt"] and replay["receipt_hash"] == live["receipt_hash"]
    assert len((await ada.get("/api/shouts")).json()["data"]["shouts"]) == 1  # the replay posted nothing
    mismatch = await ada.tool("inv-10", "feed.post", {"text": "other"}, mode="replay", replay_of="inv-8")
    assert mismatch.status_code == 409 and mismatch.json()["error"]["code"] == "replay_mismatch"
    someone_elses = await ada.tool("inv-11", "feed.post", {"text": "x"}, mode="replay", replay_of="nope")
    assert someone_elses.status_code == 404


@pytest.mark.parametrize(("url", "reason"), [
    ("http://127.0.0.1:9/", "ssrf_block.private_address"),
    ("http://10.0.0.1/", "ssrf_block.private_address"),
    ("http://169.254.169.254/latest/meta-data/", "ssrf_block.metadata_endpoint"),
    ("http://localhost:9/", "ssrf_block.private_address"),
    ("http://[::1]:9/", "ssrf_block.private_address"),
    ("http://2130706433:9/", "ssrf_block.private_address"),        # 127.0.0.1 as one decimal number
    ("http://0x7f.1:9/", "ssrf_block.private_address"),            # … in hex shorthand
    ("http://[::ffff:127.0.0.1]:9/", "ssrf_block.private_address"),  # … IPv4-mapped IPv6
    ("http://user:pw@example.com/", "ssrf_block.invalid_url"),
])
async def test_http_fetch_refuses_private_loopback_and_link_local_targets(ada: Person, url: str, reason: str) -> None:
    body = (await ada.tool(f"fetch-{abs(hash(url))}", "http.fetch", {"url": url})).json()["data"]
    assert body["status"] == "denied" and body["decision"]["decision"] == "denied", body
    assert body["decision"]["reason_code"] == reason and body["result"] is None


async def test_http_fetch_reaches_an_allow_listed_host_within_its_size_limit(ada: Person, web_server: str) -> None:
    ok = (await ada.tool("fetch-ok", "http.fetch", {"url": f"{web_server}/"})).json()["data"]
    assert ok["status"] == "succeeded" and ok["result"]["body"] == "hello from the test server"
    big = (await ada.tool("fetch-big", "http.fetch", {"url": f"{web_server}/big", "max_bytes": 1000})).json()["data"]
    assert big["result"]["bytes"] == 1000 and big["result"]["truncated"] is True
    hop = (await ada.tool("fetch-hop", "http.fetch", {"url": f"{web_server}/redirect-private"})).json()["data"]
    assert hop["status"] == "denied" and hop["decision"]["reason_code"] == "ssrf_block.private_address"


async def test_l402_fetch_without_a_wallet_fails_with_its_code(ada: Person) -> None:
    profile = (await ada.get("/api/settings/autopilot")).json()["data"]
    await ada.patch("/api/settings/autopilot", {"version": profile["version"], "tool_policy": {"l402.fetch": "allow"}})
    body = (await ada.tool("pay-1", "l402.fetch", {"url": "http://127.0.0.2/paid"})).json()["data"]
    assert body["status"] == "failed" and body["decision"]["decision"] == "allowed", body
    assert body["error"]["code"] == "wallet_not_found"


async def test_email_send_without_a_resend_connection_fails_with_its_code(ada: Person) -> None:
    profile = (await ada.get("/api/settings/autopilot")).json()["data"]
    await ada.patch("/api/settings/autopilot", {"version": profile["version"], "tool_policy": {"email.send": "allow"}})
    body = (await ada.tool("mail-1", "email.send", {"to": "x@example.com", "subject": "s", "text": "t"})).json()["data"]
    assert body["status"] == "failed" and body["error"]["code"] == "not_connected"
    assert body["receipt"]["error_code"] == "not_connected"
