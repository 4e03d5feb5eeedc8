"""CLI parity (issue 25): ``openagents tools invoke``, ``openagents chat import`` and ``openagents l402 demo``,
each run as the real command (a subprocess) against a live granian server or the test's database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import httpx
import pytest
from openagents_server.db.pool import create_pool
from openagents_server.domains.runtime import projector
from openagents_server.settings import load_settings

from tests.conftest import run_sync
from tests.identity.conftest import Session, sign_in

REPO = Path(__file__).resolve().parents[2]
ADMIN = "root@example.com"


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "openagents_server.cli", *args],
                          env={**os.environ, "COLUMNS": "250", **(env or {})}, cwd=REPO, capture_output=True, text=True, timeout=120,
                          check=False)


def signed_in(url: str, database_url: str, email: str) -> Session:
    async def go() -> Session:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            return await sign_in(http, database_url, email)

    return run_sync(go())


# -- tools invoke ------------------------------------------------------------------------------------------

def test_tools_invoke_prints_the_decision_and_the_receipt(live_server, database_url) -> None:
    server = live_server()
    who = signed_in(server.url, database_url, "ada@example.com")
    base = ["tools", "invoke", "noop", "--url", server.url, "--token", who.access_token]

    dry = cli(*base, "--mode", "dry_run", "--json", "--id", "cli-dry-1")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    answer = json.loads(dry.stdout)
    assert (answer["status"], answer["decision"]["decision"], answer["mode"]) == ("dry_run", "allowed", "dry_run")
    assert answer["receipt"]["schema"] == "openagents.tool_receipt.v1" and answer["receipt_hash"].startswith("sha256:")

    live = cli(*base, "--args", "{}", "--id", "cli-live-1")
    assert live.returncode == 0, live.stdout + live.stderr
    assert "allowed" in live.stderr and "succeeded" in live.stderr and "receipt_hash" in live.stderr
    again = cli(*base, "--id", "cli-live-1", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["idempotent_replay"] is True

    unknown = cli("tools", "invoke", "no.such.tool", "--url", server.url, "--token", who.access_token)
    assert unknown.returncode == 2 and "unknown_tool" in unknown.stderr
    bad_args = cli(*base, "--args", "[1, 2]")
    assert bad_args.returncode == 2 and "JSON object" in bad_args.stderr
    refused = cli("tools", "invoke", "noop", "--url", server.url, "--token", "oa_at_not-a-token")
    assert refused.returncode == 2 and "401" in refused.stderr


# -- chat import -------------------------------------------------------------------------------------------

HISTORY = [
    {"thread": "lisbon", "role": "user", "text": "Plan a weekend in Lisbon"},
    {"thread": "lisbon", "role": "assistant", "text": "Day 1: Alfama and the castle."},
    {"thread": "lisbon", "role": "user", "text": "And day 2?"},
    {"thread": "lisbon", "role": "assistant", "text": "Belém, then LX Factory.", "at": "2024-05-01T10:00:00Z"},
    {"thread": "hello", "role": "user", "text": "hello there"},
]


def _write(path: Path, rows: list[dict | str]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


async def _read_model(database_url: str) -> tuple[int, int, str]:
    conn = await asyncpg.connect(database_url)
    try:
        threads = await conn.fetchval("SELECT count(*) FROM runtime_threads")
        messages = await conn.fetchval("SELECT count(*) FROM runtime_messages")
        return threads, messages, await projector.summary_hash(conn)
    finally:
        await conn.close()


def test_chat_import_validates_every_line_imports_atomically_and_is_idempotent(live_server, database_url,
                                                                                tmp_path: Path) -> None:
    server = live_server()
    who = signed_in(server.url, database_url, "ada@example.com")
    env = {"OPENAGENTS_ENV": "test", "OPENAGENTS_DATABASE_URL": database_url}

    bad = _write(tmp_path / "bad.jsonl", [
        HISTORY[0],
        '{"thread": "lisbon", "role": "robot", "text": "?"}',
        "not json",
        {"thread": "other", "role": "assistant", "text": "a reply to nothing"},
        {"thread": "lisbon", "role": "user", "text": "ok", "mood": "happy"},
    ])
    refused = cli("chat", "import", str(bad), "--email", who.email, env=env)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    for number in (2, 3, 4, 5):
        assert f"line {number}:" in refused.stderr
    assert "line 1:" not in refused.stderr and "nothing imported" in refused.stderr
    assert run_sync(_read_model(database_url))[:2] == (0, 0)

    good = _write(tmp_path / "history.jsonl", HISTORY)
    first = cli("chat", "import", str(good), "--email", who.email, "--json", env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    report = json.loads(first.stdout)
    assert (report["threads"], report["turns_imported"], report["turns_skipped"]) == (2, 3, 0)

    async def thread_messages() -> tuple[list[str], list[tuple[str, str, str]]]:
        async with httpx.AsyncClient(base_url=server.url, headers=who.headers, timeout=30) as http:
            page = (await http.get("/api/runtime/codex/threads")).json()["data"]
            detail = (await http.get(f"/api/runtime/codex/threads/{report['thread_ids']['lisbon']}")).json()["data"]
        return sorted(t["id"] for t in page["data"]), [(m["role"], m["text"], m["status"]) for m in detail["messages"]]

    ids, messages = run_sync(thread_messages())
    assert ids == sorted(report["thread_ids"].values())
    assert messages == [("user", "Plan a weekend in Lisbon", "completed"),
                        ("assistant", "Day 1: Alfama and the castle.", "completed"),
                        ("user", "And day 2?", "completed"),
                        ("assistant", "Belém, then LX Factory.", "completed")]
    before = run_sync(_read_model(database_url))

    again = cli("chat", "import", str(good), "--email", who.email, "--json", env=env)
    assert again.returncode == 0 and json.loads(again.stdout)["turns_skipped"] == 3
    assert run_sync(_read_model(database_url)) == before

    # The import went through the run log: rebuilding the read models reproduces it exactly.
    async def reproject() -> dict:
        pool = await create_pool(database_url, load_settings({}, env="test", database_url=database_url,
                                                             db_pool_min=1, db_pool_max=2))
        try:
            return await projector.reproject(pool)
        finally:
            await pool.close()

    rebuilt = run_sync(reproject())
    assert rebuilt["before"] == rebuilt["after"] == before[2] and rebuilt["drift"] == []

    more = _write(tmp_path / "more.jsonl", [*HISTORY, {"thread": "hello", "role": "user", "text": "still there?"}])
    added = cli("chat", "import", str(more), "--email", who.email, "--json", env=env)
    assert json.loads(added.stdout)["turns_imported"] == 1
    nobody = cli("chat", "import", str(good), "--email", "nobody@example.com", env=env)
    assert nobody.returncode == 1 and "no account" in nobody.stderr


# -- l402 demo ---------------------------------------------------------------------------------------------

@pytest.fixture
def l402_server(live_server):
    return live_server(env={"OPENAGENTS_ADMIN_EMAILS": ADMIN, "OPENAGENTS_API_BURST": "5000"})


def test_l402_demo_walks_paywall_402_pay_retry_and_names_a_failed_step(l402_server, database_url) -> None:
    admin = signed_in(l402_server.url, database_url, ADMIN)
    passed = cli("l402", "demo", l402_server.url, "--token", admin.access_token, "--json")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    report = json.loads(passed.stdout)
    assert report["ok"] is True and report["failed_step"] is None
    assert [s["step"] for s in report["steps"]] == ["paywall", "challenge", "wallet", "pay", "retry"]
    assert report["steps"][0]["detail"].startswith("created paywall") and "satoshi" in report["body"]
    for step in ("paywall", "challenge", "wallet", "pay", "retry"):
        assert f"✓ {step}" in passed.stderr

    # A second run uses the paywall the first created and buys again.
    again = cli("l402", "demo", l402_server.url, "--token", admin.access_token, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["steps"][0]["detail"].startswith("using paywall")

    # A path no paywall covers answers 200 at once: the demo stops at the challenge and says so.
    uncovered = cli("l402", "demo", l402_server.url, "--token", admin.access_token, "--path", "/healthz")
    assert uncovered.returncode == 1
    assert "failed at step 'challenge'" in uncovered.stderr and "not 402" in uncovered.stderr

    # A non-admin cannot create the paywall on a new prefix: the first step fails, by name.
    ada = signed_in(l402_server.url, database_url, "ada@example.com")
    refused = cli("l402", "demo", l402_server.url, "--token", ada.access_token, "--prefix", "/api/demo2",
                  "--path", "/api/demo2/x", "--json")
    assert refused.returncode == 1 and json.loads(refused.stdout)["failed_step"] == "paywall"
    assert "failed at step 'paywall'" in refused.stderr
