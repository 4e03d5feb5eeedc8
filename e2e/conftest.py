"""e2e harness: a real granian server on a free port with its own database, real bundles built by
the real pipeline, Debian's Chromium (never a downloaded browser) that can reach loopback only.

Every test fails on a console error, an uncaught page error or a request that leaves loopback,
unless it declares the error it expects (``guard.allow(...)``).

Database fixtures come from ``tests/conftest.py``; e2e runs its own embedded cluster
(``var/e2e-pg``) because pytest would otherwise start the session fixtures twice on one data dir.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from openagents_server.db.embedded import EmbeddedPostgres
from playwright.sync_api import BrowserContext, Page, Playwright

from tests.conftest import (  # noqa: F401
    _with_database,
    _worker_suffix,
    database_url,
    live_server,
    make_database,
    template_dsn,
)
from tests.support.bundles import REPO, BuiltBundles, session_bundles
from tests.support.servers import LiveServer
from tests.support.workers import WorkerProcesses

CHROMIUM = "/usr/bin/chromium"
#: browser-recipes.md: what works headless as root here, and nothing but loopback resolves.
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
BOOT_TIMEOUT_MS = 90_000


@pytest.fixture(scope="session")
def pg_admin_dsn() -> Iterator[str]:
    external = os.environ.get("OPENAGENTS_TEST_DATABASE_URL")
    if external:
        yield _with_database(external, "postgres")
        return
    cluster = EmbeddedPostgres(REPO / "var" / f"e2e-pg{_worker_suffix()}", database="postgres",
                               server_settings={"fsync": "off", "synchronous_commit": "off"})
    cluster.start()
    try:
        yield cluster.dsn("postgres")
    finally:
        cluster.stop(mode="immediate")


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """pytest-playwright: Debian's Chromium with the recipe flags."""
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> BuiltBundles:
    return session_bundles(tmp_path_factory.mktemp("e2e-bundles"))


@pytest.fixture
def server(live_server: Callable[..., LiveServer], bundles: BuiltBundles) -> LiveServer:  # noqa: F811
    return live_server(env={"OPENAGENTS_BUNDLES_DIR": str(bundles.root), "OPENAGENTS_SHELL_UPDATE_CHECK_SECONDS": "1"})


@dataclass
class Guard:
    """Collects what must not happen in a browser test."""

    problems: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    #: Set when the test's teardown starts: a live page whose server fixture is torn down before its
    #: browser context logs "WebSocket … refused" on its way out; that is fixture order, not the app.
    sealed: bool = False

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def _problem(self, text: str) -> None:
        if self.sealed:
            return
        if not any(p.search(text) for p in self.allowed):
            self.problems.append(text)

    def attach(self, context: BrowserContext) -> None:
        context.on("request", self._on_request)
        context.on("console", lambda m: self._problem(f"console {m.type}: {m.text}") if m.type == "error" else None)
        context.on("weberror", lambda e: self._problem(f"page error: {e.error}"))

    def _on_request(self, request: Any) -> None:
        self.requests.append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOOPBACK:
            self.problems.append(f"non-loopback request: {request.url}")

    def check(self) -> None:
        assert not self.problems, "\n".join(self.problems)


E2E_DIR = Path(__file__).resolve().parent


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under pytest-xdist (``make test``): every browser test runs on one worker, one after another.

    Why: each e2e test drives Chromium + Pyodide, which takes most of a core while it boots; two at
    once on a 2-core machine stretch the timing-bound ones (live updates within 1-2 s). The other
    worker runs the rest of the suite. They are collected last and must stay last on their worker:
    once Playwright's sync API has run in a process, pytest-asyncio cannot start a loop there
    ("Runner.run() cannot be called from a running event loop"). A scheduler, not
    ``xdist_group`` marks: xdist 3.8 renames grouped items through ``item._nodeid``, which pytest 9
    no longer reads, so ``--dist loadgroup`` spread the browser tests over both workers.
    """
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "e2e" if nodeid.startswith("e2e/") else nodeid

    return BrowserTestsTogether(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    guard = getattr(item, "funcargs", {}).get("guard")
    if isinstance(guard, Guard):
        guard.sealed = True


@pytest.fixture
def guard() -> Iterator[Guard]:
    g = Guard()
    yield g
    g.check()


@pytest.fixture
def context(browser: Any, guard: Guard) -> Iterator[BrowserContext]:  # overrides pytest-playwright's
    ctx = browser.new_context()
    guard.attach(ctx)
    yield ctx
    ctx.close()


@pytest.fixture
def persistent(playwright: Playwright, guard: Guard, tmp_path: Path) -> Callable[[], BrowserContext]:
    """Open (and reopen) a Chromium profile that survives across loads, like a returning user's."""
    opened: list[BrowserContext] = []
    profile = tmp_path / "profile"

    def open_() -> BrowserContext:
        ctx = playwright.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, headless=True,
                                                            args=CHROMIUM_ARGS)
        guard.attach(ctx)
        opened.append(ctx)
        return ctx

    yield open_  # type: ignore[misc]
    for ctx in opened:
        try:
            ctx.close()
        except Exception:  # noqa: BLE001, S110 - already closed by the test
            pass


#: The demo worker the chat e2e tests start (``openagents worker run --adapter demo``).
DEMO_WORKER_ID = "ada-demo"


@pytest.fixture
def start_worker(server: LiveServer) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start the demo worker (``start(token, delay="0.2")``: seconds between its streamed words) as the
    token's owner, against ``server``; every one started is stopped at the end."""
    workers = WorkerProcesses(server.url)

    def start(token: str, delay: str = "0.2") -> subprocess.Popen[bytes]:
        return workers.start(token, "--adapter", "demo", "--worker-id", DEMO_WORKER_ID, "--heartbeat", "5",
                             "--demo-delay", delay)

    yield start
    workers.stop_all()


def wait_js(page: Page, expression: str, timeout_ms: int = BOOT_TIMEOUT_MS) -> Any:
    """Poll ``expression`` with evaluate (wait_for_function evaluates strings, which our CSP forbids)."""
    deadline = time.monotonic() + timeout_ms / 1000
    last = None
    while time.monotonic() < deadline:
        try:
            last = page.evaluate(f"async () => ({expression})")
        except Exception as exc:
            last = exc
            if "Execution context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
        else:
            if last:
                return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {expression!r} (last: {last!r})")


def wait_booted(page: Page) -> dict[str, str]:
    """Wait for the shell's first frame (or its error screen); return what it rendered."""
    wait_js(page, "document.querySelector('#oa-app [data-ready]') || window.__error")
    error = page.evaluate("() => window.__error || null")
    assert error is None, f"boot failed: {error}"
    return page.evaluate("""() => { const s = document.querySelector('#oa-app [data-ready]');
        return {build: s.dataset.build, route: s.dataset.route, path: s.dataset.path, online: s.dataset.online}; }""")


def bundle_cli(server: LiveServer, bundles: BuiltBundles, *args: str) -> None:
    env = {**os.environ, "OPENAGENTS_DATABASE_URL": server.database_url,
           "OPENAGENTS_BUNDLES_DIR": str(bundles.root), "OPENAGENTS_ENV": "test"}
    result = subprocess.run([sys.executable, "-m", "openagents_server.cli", "bundle", *args], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr


#: browser-recipes.md: the only flag set under which an on-screen WebGPU canvas keeps its device here
#: (SwiftShader on Vulkan); without them requestAdapter() answers null (the Canvas2D set-up).
WEBGPU_ARGS = ["--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-angle=vulkan", "--use-vulkan=swiftshader"]


@pytest.fixture(scope="session")
def webgpu_browser(playwright: Playwright) -> Iterator[Any]:
    """A second Chromium with the WebGPU flag set (the shell's ``?gpu=webgpu`` set-up)."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + WEBGPU_ARGS)
    yield browser
    browser.close()
