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

#: Operations that end the credential schemathesis is using would starve the rest of the run.
EXCLUDED = r"(/logout$|/sessions/revoke$|/tokens/current$)"
#: Request-side checks (ST201 "schema-violating request accepted", ST202 "schema-valid request rejected")
#: need request schemas that state every rule the server enforces (NUL-free strings, non-empty list
#: items, "at least one of" bodies); /openapi.json does not yet (issue 16, the lead's typing work).
#: Every response-side check runs: server errors, status codes, content types, headers, bodies.
REQUEST_SIDE_CHECKS = "positive_data_acceptance,negative_data_rejection"
#: Response conformance failures still open, each an undocumented answer of a route whose OpenAPI
#: description issue 16 is completing (reported to the lead). This list only shrinks; anything not
#: on it fails the test.
PENDING_DOCS = frozenset({
    ("DELETE /api/tokens/{token_id}", "ST103"),     # 404 undocumented
    ("GET /api/internal/khala/metrics", "ST103"),   # 401 undocumented (no responses=ERRORS on Khala routes)
    ("GET /api/sync/snapshot", "ST103"),            # 401, 422 undocumented
    ("POST /api/internal/khala/publish", "ST103"),  # 401, 422 undocumented
    ("POST /api/auth/register", "ST103"),           # 404 (registration off) undocumented
    ("POST /api/v1/auth/register", "ST103"),
    ("POST /login/email", "ST105"),                 # the 303 redirect's text/plain body undocumented
    ("POST /login/verify", "ST105"),
    ("POST /logout", "ST105"),
})
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


#: The fuzzer is one client sending thousands of requests with one token: lift the per-credential
#: ceiling (tests/security/test_limits.py proves it) so the run explores the API, not the 429.
FUZZ_ENV = {"OPENAGENTS_API_RATE_PER_SECOND": "100000", "OPENAGENTS_API_BURST": "100000"}


def _run(url: str, tmp_path: Path, extra: list[str]) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json",
        "--checks", "all", "--exclude-checks", REQUEST_SIDE_CHECKS, "--max-examples", "25", "--seed", "5",
        "--phases", "examples,coverage,fuzzing",
        "--include-path-regex", r"^/(api|login|logout)",
        "--exclude-path-regex", EXCLUDED,
        "--request-timeout", "10", "--continue-on-failure",
        *extra,
    ]
    # cwd: schemathesis keeps an example cache in ./.schemathesis; keep it out of the repository.
    return subprocess.run(command, capture_output=True, text=True, timeout=480, check=False, cwd=tmp_path)


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
    assert not [f for f in found if f[1] == "ST100"] and "Server error" not in out, out[-8000:]
    assert "unhandled_exception" not in server.log()
    assert found <= PENDING_DOCS, (sorted(found - PENDING_DOCS), out[-8000:])
