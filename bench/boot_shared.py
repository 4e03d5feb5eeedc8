"""Our shell beside the shared boot harness's Pyodide floor, in one run (issue 6, a cross-check of
bench/boot.py with a harness we did not write). Not a test: it prints the harness's table.

The harness (/work/shared/tools/boot, or $BOOT_TOOLS) loads each scenario in headless Chromium with a
fresh persistent profile per run: cold → warm (new tab) → warm2 → restart (same profile). Scenarios:
* `B-lock-br` — its baseline: the same Pyodide 314 runtime booted with a two-package lock (msgspec,
  protobuf), immutable assets, brotli; "app ready" = both packages imported and used.
* `A-bare` — bare `loadPyodide`, then the packages, no brotli.
* `ours` — our shell from granian (`/settings/profile`); "py ready" = Python started, "app ready" = the
  shell's first frame (msgspec and protobuf load right after it).

    .venv/bin/python bench/boot_shared.py [--runs 5]

The harness waits with `page.wait_for_function(<string>)`, which our CSP (no 'unsafe-eval') refuses,
so it runs here in-process with Playwright's `bypass_csp` on every context, baseline and ours alike
(CSP did not change first paint when measured with and without it, ADR 0302).

Set-up it does itself: builds a bundle (var/bench-shared/), a database in the bench cluster, and the
harness's site (its setup_site.sh) when missing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from _support import REPO, bench_database
from openagents_build import BuildOptions, build_bundle

from tests.support.servers import LiveServer

TOOLS = Path(os.environ.get("BOOT_TOOLS", "/work/shared/tools/boot"))
SCRATCH = Path("/tmp/boot-scratch")
SITE = SCRATCH / "site"
WORK = REPO / "var" / "bench-shared"


def ensure_site() -> None:
    """The harness's site (Pyodide from npm, its wheels and lock), built with our venv's pip."""
    if (SITE / "boot.html").is_file() and (SITE / "wheels" / "app-lock.json").is_file():
        return
    env = {**os.environ, "VENV": str(Path(sys.executable).parent.parent), "SCRATCH": str(SCRATCH)}
    subprocess.run(["bash", str(TOOLS / "setup_site.sh")], env=env, check=True)


def run_harness(argv: list[str]) -> None:
    """harness.py's own main, with `bypass_csp` added to the persistent contexts it launches."""
    sys.path.insert(0, str(TOOLS))
    import harness  # type: ignore[import-not-found]

    launch = harness.launch

    class Chromium:
        def __init__(self, real: Any) -> None:
            self.real = real

        def launch_persistent_context(self, *args: Any, **kwargs: Any) -> Any:
            return self.real.launch_persistent_context(*args, bypass_csp=True, **kwargs)

    class Playwright:
        def __init__(self, real: Any) -> None:
            self.chromium = Chromium(real.chromium)

    harness.launch = lambda pw, profile, a: launch(Playwright(pw), profile, a)
    sys.argv = ["harness.py", *argv]
    harness.main()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    if not (TOOLS / "harness.py").is_file():
        sys.exit(f"no boot harness at {TOOLS} (set BOOT_TOOLS)")
    ensure_site()
    bundles = WORK / "bundles"
    shutil.rmtree(bundles, ignore_errors=True)
    build = build_bundle(BuildOptions(repo=REPO, bundles_dir=bundles))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; bundle {build.build_id}",
          flush=True)
    with bench_database() as dsn:
        server = LiveServer(dsn, env={"OPENAGENTS_BUNDLES_DIR": str(bundles)}).start()
        try:
            run_harness([
                "run", "--root", str(SITE), "--runs", str(a.runs), "--timeout", "90", "--scratch", str(SCRATCH),
                "--scenario", "B-lock-br=/boot.html?mode=lock;encoding=br",
                "--scenario", "A-bare=/boot.html?mode=bare",
                "--scenario", f"ours={server.url}/settings/profile",
                "--json-out", str(WORK / "results.json"), "--md-out", str(WORK / "results.md"),
            ])
        finally:
            server.stop()


if __name__ == "__main__":
    main()
