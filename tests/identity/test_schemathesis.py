"""Property-based fuzzing of the control plane's routes from /openapi.json: no input yields a 500."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import run_sync
from tests.identity.conftest import Session, sign_in

#: Operations that end the credential schemathesis is using would starve the rest of the run.
EXCLUDED = r"(/logout$|/sessions/revoke$|/tokens/current$)"


def test_no_server_error_from_any_input(live_server, database_url, tmp_path: Path) -> None:
    server = live_server(workers=1)

    async def session() -> Session:
        async with httpx.AsyncClient(base_url=server.url) as http:
            return await sign_in(http, database_url, "fuzz@example.com")

    me = run_sync(session())
    report = tmp_path / "schemathesis.txt"
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{server.url}/openapi.json",
        "--checks", "not_a_server_error", "--max-examples", "25", "--seed", "5",
        "--phases", "examples,coverage,fuzzing",
        "--include-path-regex", r"^/(api|login|logout)",
        "--exclude-path-regex", EXCLUDED,
        "--header", f"Authorization: Bearer {me.access_token}",
        "--request-timeout", "10",
    ]
    # cwd: schemathesis keeps an example cache in ./.schemathesis; keep it out of the repository.
    result = subprocess.run(command, capture_output=True, text=True, timeout=420, check=False, cwd=tmp_path)
    report.write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Fuzzing" in result.stdout and " passed" in result.stdout
    assert "unhandled_exception" not in server.log()
