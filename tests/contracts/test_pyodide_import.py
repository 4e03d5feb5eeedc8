"""The contracts and the payload-hash helper run inside Pyodide with the wheels the shell ships."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from openagents_build.wheels import fetch_dependency_wheels

REPO = Path(__file__).resolve().parents[2]
PYODIDE_DIR = REPO / "build" / "node_modules" / "pyodide"


def test_contracts_import_and_hash_vectors_pass_inside_pyodide() -> None:
    if not (PYODIDE_DIR / "pyodide.mjs").exists():
        pytest.fail("the Pyodide runtime is missing: `make test` installs it (npm ci --prefix build)")
    node = shutil.which("node")
    assert node, "node is required (Debian: apt-get install nodejs)"
    wheels = [str(path) for _pin, path in fetch_dependency_wheels(REPO / "var" / "build-cache" / "wheels")]
    result = subprocess.run(
        [node, str(REPO / "scripts" / "pyodide_contracts_check.mjs"), str(PYODIDE_DIR), *wheels],
        capture_output=True, text=True, timeout=300, cwd=REPO, check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["python"].startswith("3.14")
    assert report["protobuf_backend"] == "python"
    assert report["hash_vectors_ok"] == "5/5"
    assert report["frame_round_trip"] is True
    assert report["modules"] > 20
