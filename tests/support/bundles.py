"""Real bundles for tests: built once per session with the real pipeline (``openagents build``).

``make test`` runs two pytest processes (and tests/ on two xdist workers); each would build the same
two bundles, and on a fresh clone each would brotli the 9.6 MB runtime itself before the compression
cache fills. ``scripts/run-tests.sh`` therefore names one folder for the run in ``SHARED_BUNDLES_ENV``:
the first session to get there builds into it under a file lock, the others wait and reuse it. The
folder is new for every run, so a bundle is never older than the sources under test. Tests treat
bundles as read-only (a test that damages one works on a hard-linked copy and replaces files).
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

from openagents_build import BuildOptions, build_bundle

REPO = Path(__file__).resolve().parents[2]
#: Two build times a day apart: bundle B is "newer" than A for the compatibility window.
TIME_A = 1_790_000_000
TIME_B = TIME_A + 86_400
#: A folder shared by every pytest process of one run (set by scripts/run-tests.sh).
SHARED_BUNDLES_ENV = "OPENAGENTS_TEST_SHARED_BUNDLES"


@dataclass(frozen=True)
class BuiltBundles:
    root: Path
    a: str
    b: str


def build_test_bundles(root: Path) -> BuiltBundles:
    a = build_bundle(BuildOptions(repo=REPO, bundles_dir=root, build_time=TIME_A)).build_id
    b = build_bundle(BuildOptions(repo=REPO, bundles_dir=root, build_time=TIME_B)).build_id
    return BuiltBundles(root, a, b)


def session_bundles(fallback: Path) -> BuiltBundles:
    """The run's shared bundles when ``SHARED_BUNDLES_ENV`` names a folder, else built into ``fallback``."""
    shared = os.environ.get(SHARED_BUNDLES_ENV)
    if not shared:
        return build_test_bundles(fallback)
    folder = Path(shared)
    folder.mkdir(parents=True, exist_ok=True)
    built = folder / "built.json"  # beside the bundles' root: the store sees only bundle folders
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even if the build fails
        if built.exists():
            ids = json.loads(built.read_text())
            return BuiltBundles(folder / "bundles", ids["a"], ids["b"])
        result = build_test_bundles(folder / "bundles")
        built.write_text(json.dumps({"a": result.a, "b": result.b}))
        return result
