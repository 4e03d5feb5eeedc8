"""Property-based fuzzing of the HTTP API from /openapi.json, with every schemathesis check on:
no input yields a 500, and every answer conforms to the documented status codes, content types,
headers and schemas. Run twice: with a Bearer session (the authenticated surface) and without any
credential (what an outside attacker reaches)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import run_sync
from tests.identity.conftest import Session, sign_in

#: The fuzzer itself is bounded (``FUZZ_TIMEOUT`` below); the suite's 180 s default is too short for it
#: on a loaded 2-core machine once the API has every product domain. Exact request schemas (ADR 1101)
#: give the coverage phase about 3x the cases: one run took 10 min at load average 17 on 2 cores.
FUZZ_TIMEOUT = 1080
pytestmark = pytest.mark.timeout(FUZZ_TIMEOUT + 120)

#: Operations that end the credential schemathesis is using would starve the rest of the run.
EXCLUDED = r"(/logout$|/sessions/revoke$|/tokens/current$)"
#: Every check runs, request-side ones included (ST201 "schema-violating request accepted", ST202
#: "schema-valid request rejected"): /openapi.json states what the server enforces (NUL-free strings,
#: non-empty list items, "at least one of" patches, exact msgspec request schemas; ADR 1101). The rules
#: no JSON Schema can state (a BOLT11 checksum, "your own email", an opaque cursor, the retired chat
#: API's 410, the form routes' 303) are allowed per operation, each with its reason, in this file:
CONFIG = Path(__file__).with_name("schemathesis.toml")
_SECTION = re.compile(r"^_{3,} (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) _{3,}$")
_FAILURE = re.compile(r"^- (ST\d+) ")


def failures(report: str) -> set[tuple[str, str]]:
    """(operation, check code) of every failure schemathesis reported."""
    found: set[tuple[str, str]] = set()
    operation = ""
    for line in report.splitlines():
        if match := _SECTION.match(line.strip()):
            operation = f"{match[1]} {match[2]}"
        elif (match := _FAILURE.match(line.strip())) and operation:
            found.add((operation, match[1]))
    return found


def server_errors(log: str, limit: int = 6000) -> str:
    """The server's own account of each 500 (its log lines with a traceback), for the failure message:
    a fuzzer's finding under load is often a race that a rerun does not show again."""
    lines = log.splitlines()
    picked = [i for i, line in enumerate(lines) if "unhandled_exception" in line or "Traceback" in line]
    if not picked:
        return ""
    text = "\n".join(lines[max(picked[0] - 5, 0):picked[0] + 80])
    return "server log around the first unhandled exception:\n" + text[:limit] + "\n\n"


#: The fuzzer is one client sending thousands of requests with one token: lift the per-credential
#: ceiling (tests/security/test_limits.py proves it) so the run explores the API, not the 429.
FUZZ_ENV = {"OPENAGENTS_API_RATE_PER_SECOND": "100000", "OPENAGENTS_API_BURST": "100000"}


def _run(url: str, tmp_path: Path, extra: list[str]) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", f"{url}/openapi.json",
        "--checks", "all", "--max-examples", "25", "--seed", "5",
        "--phases", "examples,coverage,fuzzing",
        "--include-path-regex", r"^/(api|login|logout)",
        "--exclude-path-regex", EXCLUDED,
        "--request-timeout", "10", "--continue-on-failure", "--workers", "2",
        *extra,
    ]
    # cwd: schemathesis keeps an example cache in ./.schemathesis; keep it out of the repository.
    return subprocess.run(command, capture_output=True, text=True, timeout=FUZZ_TIMEOUT, check=False,
                          cwd=tmp_path)


@pytest.mark.parametrize("credential", ["bearer", "anonymous"])
def test_every_check_passes_on_every_operation(live_server, database_url, tmp_path: Path, credential: str) -> None:
    server = live_server(workers=1, env=FUZZ_ENV)
    extra: list[str] = []
    if credential == "bearer":
        async def session() -> Session:
            async with httpx.AsyncClient(base_url=server.url) as http:
                return await sign_in(http, database_url, "fuzz@example.com")

        extra = ["--header", f"Authorization: Bearer {run_sync(session()).access_token}"]
    result = _run(server.url, tmp_path, extra)
    (tmp_path / "schemathesis.txt").write_text(result.stdout + result.stderr)
    out = result.stdout
    assert "Test cases:" in out and "generated" in out, out[-4000:] + result.stderr[-2000:]
    found = failures(out)
    crashes = server_errors(server.log())
    assert not [f for f in found if f[1] == "ST100"] and "Server error" not in out, crashes + out[-8000:]
    assert "unhandled_exception" not in server.log(), crashes
    assert not found, (sorted(found), out[-8000:])
