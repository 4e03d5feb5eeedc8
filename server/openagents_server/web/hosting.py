"""The web layer in front of the Litestar router (plain ASGI, so static bytes cost no routing):

* ``/assets/*`` — content-hashed files of any deployed bundle: immutable caching, strong ETags,
  304s, precompressed br/gzip by ``Accept-Encoding``; unknown names → JSON 404.
* ``/sw.js``, ``/manifest.json`` — the client's bundle's, ``no-cache`` (the kill switch swaps sw.js;
  the manifest carries the kill switch and the update interval as headers for the shell's boot).
* every other GET/HEAD the router has no route for → the bundle's ``index.html`` (``/api/*`` never).
* every response carries ``x-oa-build-id`` (the bundle this client is served);
* ``/api/*`` requests that name their build (``x-oa-client-build``) outside the window → 426.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import asyncpg
import structlog
from litestar import Litestar
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from openagents_proto.sync.compat import negotiate

from openagents_server.errors import envelope
from openagents_server.observability import RESPONSE_HEADERS_KEY, add_response_header
from openagents_server.settings import Settings
from openagents_server.web.bundles import BundleStore, StoredFile, Variant
from openagents_server.web.compat import CLIENT_BUILD_HEADER
from openagents_server.web.headers import (
    ASSET_HEADERS,
    BUILD_HEADER,
    COHORT_COOKIE,
    KILLSWITCH_HEADER,
    NO_CACHE_HEADERS,
    UPDATE_CHECK_HEADER,
    cohort_cookie,
    shell_headers,
)
from openagents_server.web.killswitch import KILL_SWITCH_ETAG, KILL_SWITCH_JS
from openagents_server.web.rollout import (
    Choice,
    Rollout,
    RolloutCache,
    choose_bundle,
    device_cohort_key,
    valid_cohort_key,
)

#: Paths that never fall back to the shell (their unknown paths stay JSON 404s).
NON_SHELL_PREFIXES = ("/api/", "/sync/", "/internal/", "/assets/")
NON_SHELL_EXACT = frozenset({"/api", "/sync", "/internal", "/assets"})
#: Files up to this size are kept in memory; larger ones are sent by the server (pathsend).
MEMORY_FILE_LIMIT = 256 * 1024
MEMORY_TOTAL_LIMIT = 64 * 1024 * 1024
STATE_KEY = "oa_web_choice"
_PATHSEND: ContextVar[bool] = ContextVar("oa_pathsend", default=False)
_log = structlog.get_logger("openagents.web.hosting")


def _header_map(scope: Scope) -> dict[bytes, bytes]:
    wanted = (b"accept-encoding", b"if-none-match", b"cookie", b"user-agent", CLIENT_BUILD_HEADER.encode())
    return {k: v for k, v in scope.get("headers", []) if k in wanted}


def accepted_encodings(value: bytes | None) -> frozenset[str]:
    out = set()
    for part in (value or b"").decode("latin-1").split(","):
        token, _, params = part.strip().partition(";")
        q = params.strip()
        if q.startswith("q="):
            try:
                if float(q[2:]) <= 0:
                    continue
            except ValueError:
                continue
        if token:
            out.add(token.strip().lower())
    return frozenset(out)


def etag_matches(if_none_match: bytes | None, etag: str) -> bool:
    if not if_none_match:
        return False
    value = if_none_match.decode("latin-1").strip()
    if value == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in value.split(","))


def read_cookie(header: bytes | None, name: str) -> str | None:
    if not header:
        return None
    for part in header.decode("latin-1").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def is_shell_path(path: str) -> bool:
    return not (path.startswith(NON_SHELL_PREFIXES) or path in NON_SHELL_EXACT)


NO_BUNDLE_PAGE = b"No shell bundle is deployed on this server. Run <code>openagents build</code>."
REPLACING_PAGE = b"The shell bundle on this server is being copied or replaced. Retry in a moment."
UNKNOWN_ROLLOUT_PAGE = (b"This server cannot reach its database yet, so it does not know which version to serve. "
                        b"Retry in a moment.")


class _Bodies:
    """A bounded in-memory cache of small file bodies (content-hashed files never change)."""

    def __init__(self) -> None:
        self._items: OrderedDict[Path, bytes] = OrderedDict()
        self._total = 0

    def get(self, path: Path, expected_size: int) -> bytes:
        """The file's bytes; kept only when they have the manifest's size (a file caught mid-copy is
        read again next time, not served from memory forever)."""
        body = self._items.get(path)
        if body is not None:
            # One stat per hit: a file deleted or replaced on disk is not served from memory (issue 18).
            if path.stat().st_size == len(body):
                self._items.move_to_end(path)
                return body
            del self._items[path]
            self._total -= len(body)
        body = path.read_bytes()
        if len(body) == expected_size <= MEMORY_FILE_LIMIT:
            self._items[path] = body
            self._total += len(body)
            while self._total > MEMORY_TOTAL_LIMIT:
                _, old = self._items.popitem(last=False)
                self._total -= len(old)
        return body


class WebHosting:
    def __init__(self, app: ASGIApp, litestar: Litestar, settings: Settings,
                 pool: Callable[[], asyncpg.Pool | None]) -> None:
        self.app = app
        self.litestar = litestar
        #: The database pool once the app's lifespan has opened it (None before).
        self.pool = pool
        self.store = BundleStore(Path(settings.bundles_dir))
        self.rollout = RolloutCache()
        self.settings = settings
        self.secure_cookies = settings.public_origin.startswith("https://")
        self._bodies = _Bodies()
        self._plain: tuple[Rollout, float, Choice] | None = None
        #: GET paths the app routes without path parameters (/healthz, /readyz, /openapi.json…):
        #: they can never fall back to the shell, so their responses pass through unwrapped.
        #: (/api/* is not among them: its client-build gate and bundle choice apply to every request.)
        self._routed_paths = frozenset(
            route.path for route in litestar.routes
            if not route.path_parameters and "GET" in getattr(route, "methods", ()) and is_shell_path(route.path))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        rollout = self.rollout.fresh() or await self.rollout.get(self.pool())
        if path in self._routed_paths and not rollout.canary_build_id:
            # /healthz, /readyz, /openapi.json…: a route of the app, never a file or the shell, and
            # with no canary every client is served the same build. The hot path of health checks.
            choice = self._plain_choice(rollout)
            if choice.bundle is not None:
                add_response_header(scope, BUILD_HEADER, choice.bundle.build_id.encode())
            await self.app(scope, receive, send)
            return
        _PATHSEND.set("http.response.pathsend" in (scope.get("extensions") or {}))
        headers = _header_map(scope)
        if rollout.canary_build_id:  # the cohort only matters while a canary runs
            choice = choose_bundle(rollout, self.store, self._cohort_key(scope, headers))
        else:
            choice = self._plain_choice(rollout)
        build_id = choice.bundle.build_id.encode() if choice.bundle else b""
        get_like = method in ("GET", "HEAD")

        if path.startswith("/assets/"):
            await self._asset(send, path[len("/assets/"):], method, headers, build_id)
            return
        if get_like and not rollout.known and path in ("/sw.js", "/manifest.json"):
            await self._json(send, 503, envelope("rollout_unknown", "This server cannot read which version to "
                                                 "serve yet; retry shortly."), b"")
            return
        if get_like and path == "/sw.js":
            await self._bundle_file(send, choice, "sw.js", method, headers, build_id, rollout.killswitch)
            return
        if get_like and path == "/manifest.json":
            await self._bundle_file(send, choice, "manifest.json", method, headers, build_id, False,
                                    self._delivery_headers(rollout))
            return
        if path.startswith("/api/") and choice.bundle is not None and CLIENT_BUILD_HEADER.encode() in headers:
            client = headers[CLIENT_BUILD_HEADER.encode()].decode("latin-1")
            verdict = negotiate(choice.bundle.manifest.compatibility, client_build_id=client,
                                known_builds=frozenset(self.store.bundles()))
            if not verdict.accepted:
                await self._upgrade_required(send, verdict.code or "upgrade_required", client, choice, build_id)
                return

        scope.setdefault("state", {})[STATE_KEY] = choice
        if build_id:
            add_response_header(scope, BUILD_HEADER, build_id)  # stamped by the outermost wrapper
        if not (get_like and is_shell_path(path)) or path in self._routed_paths:
            await self.app(scope, receive, send)  # a route of the app (or an API miss): no wrapper
            return
        swallowed = False

        async def send_unless_404(message: Message) -> None:
            nonlocal swallowed
            # No route: a page of the shell. (A GET of a form's POST-only path, /logout or /login/email,
            # keeps its 405 with Allow: the path is routed, and API clients and checkers rely on it.)
            if message["type"] == "http.response.start" and message["status"] == 404:
                swallowed = True
                return
            if not swallowed:
                await send(message)

        await self.app(scope, receive, send_unless_404)
        if swallowed:
            # The shell response names its own build; other stamped headers (HSTS) stay.
            state = scope["state"]
            state[RESPONSE_HEADERS_KEY] = [h for h in state.get(RESPONSE_HEADERS_KEY, ()) if h[0] != BUILD_HEADER]
            if not rollout.known:
                await self._unavailable_page(send, method, UNKNOWN_ROLLOUT_PAGE)
                return
            new_key = None
            if not valid_cohort_key(read_cookie(headers.get(b"cookie"), COHORT_COOKIE)):
                # First visit (or cookies blocked): the derived key the bundle was chosen by, kept.
                new_key = self._cohort_key(scope, headers)
            await self._shell(send, choice, method, headers, build_id, new_key)

    def _cohort_key(self, scope: Scope, headers: dict[bytes, bytes]) -> str:
        client = scope.get("client")
        return device_cohort_key(read_cookie(headers.get(b"cookie"), COHORT_COOKIE), client[0] if client else "",
                                 headers.get(b"user-agent", b"").decode("latin-1"), self.settings.session_secret)

    def _plain_choice(self, rollout: Rollout) -> Choice:
        """The bundle every client gets while no canary runs, cached per rollout and bundle scan. No
        bundle is never cached: asking the store again is what rescans (at most once a second), so a
        copy that becomes whole is served without waiting for the rollout to change."""
        plain, scanned_at = self._plain, self.store.scanned_at
        if plain is not None and plain[0] is rollout and plain[1] == scanned_at:
            return plain[2]
        choice = choose_bundle(rollout, self.store, None)
        self._plain = (rollout, scanned_at, choice) if choice.bundle is not None else None
        return choice

    # ---- responses -------------------------------------------------------------------------
    async def _send(self, send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b"",
                    method: str = "GET", file: Variant | None = None) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if method == "HEAD" or status == 304:
            await send({"type": "http.response.body", "body": b""})
        elif file is not None and file.size > MEMORY_FILE_LIMIT:
            if _PATHSEND.get():
                # granian sends the file itself (ASGI pathsend extension): no bytes through Python.
                await send({"type": "http.response.pathsend", "path": str(file.path)})
            else:
                await self._stream(send, file.path)
        else:
            await send({"type": "http.response.body", "body": body})

    async def _stream(self, send: Send, path: Path) -> None:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    def _file_headers(self, stored: StoredFile, variant: Variant, base: list[tuple[bytes, bytes]],
                      build_id: bytes) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"content-type", stored.content_type.encode()),
            (b"content-length", str(variant.size).encode()),
            (b"etag", variant.etag.encode()),
            *base,
        ]
        if variant.encoding:
            headers.append((b"content-encoding", variant.encoding.encode()))
        if build_id:
            headers.append((BUILD_HEADER, build_id))
        return headers

    async def _serve_stored(self, send: Send, stored: StoredFile, method: str, headers: dict[bytes, bytes],
                            base: list[tuple[bytes, bytes]], build_id: bytes) -> bool:
        """Send the file; False (nothing sent) when it no longer matches its manifest (see `_unmatched`)."""
        variant = stored.select(accepted_encodings(headers.get(b"accept-encoding")))
        out = self._file_headers(stored, variant, base, build_id)
        if etag_matches(headers.get(b"if-none-match"), variant.etag):
            out = [(k, v) for k, v in out if k not in (b"content-length", b"content-type", b"content-encoding")]
            await self._send(send, 304, out)
            return
        body = b""
        if method != "HEAD":
            try:
                if variant.size > MEMORY_FILE_LIMIT:
                    on_disk = variant.path.stat().st_size
                else:
                    body = self._bodies.get(variant.path, variant.size)
                    on_disk = len(body)
            except FileNotFoundError:
                on_disk = -1
            if on_disk != variant.size:
                self._unmatched(variant, on_disk)
                return False
        await self._send(send, 200, out, body, method, variant)
        return True

    def _unmatched(self, variant: Variant, on_disk: int) -> None:
        """A file of a loaded bundle no longer has its manifest's size (edited or removed after the
        bundle was checked, e.g. an old bundle directory deleted). Never send the manifest's
        Content-Length with other bytes: drop the bundle, so the next scan checks it again (it is
        served again once it is whole) and a content-hashed file it shared comes from another bundle."""
        _log.error("bundle_file_changed_on_disk", path=str(variant.path), size=on_disk, manifest_size=variant.size)
        self.store.drop_containing(variant.path)

    async def _file_unavailable(self, send: Send, build_id: bytes) -> None:
        await self._json(send, 503, envelope("bundle_unavailable", "This file of the deployed bundle is being "
                                             "replaced on the server; retry shortly."), build_id)

    async def _asset(self, send: Send, rel: str, method: str, headers: dict[bytes, bytes], build_id: bytes) -> None:
        stored = self.store.asset(rel) if method in ("GET", "HEAD") else None
        if stored is None:
            status, code, message = (404, "not_found", "Not found.") if method in ("GET", "HEAD") else \
                (405, "method_not_allowed", f"Method {method} is not allowed here.")
            await self._json(send, status, envelope(code, message), build_id)
            return
        if await self._serve_stored(send, stored, method, headers, ASSET_HEADERS, build_id):
            return
        # That copy went away (its bundle deleted, or being replaced): another bundle listing the same
        # content-hashed name serves it; with none, the file exists but is unavailable, not missing.
        stored = self.store.asset(rel)
        if stored is None or not await self._serve_stored(send, stored, method, headers, ASSET_HEADERS, build_id):
            await self._file_unavailable(send, build_id)

    def _delivery_headers(self, rollout: Rollout) -> list[tuple[bytes, bytes]]:
        """What the shell's boot needs besides the manifest body: whether the kill switch is on (then
        it must not register a worker) and how often to look for updates. As headers, they also come
        with a 304, so a warm boot learns them without downloading anything."""
        return [(KILLSWITCH_HEADER, b"on" if rollout.killswitch else b"off"),
                (UPDATE_CHECK_HEADER, str(self.settings.shell_update_check_seconds).encode())]

    async def _bundle_file(self, send: Send, choice: Choice, name: str, method: str, headers: dict[bytes, bytes],
                           build_id: bytes, killswitch: bool, extra: Sequence[tuple[bytes, bytes]] = ()) -> None:
        if killswitch and name == "sw.js":
            out = [(b"content-type", b"text/javascript; charset=utf-8"),
                   (b"content-length", str(len(KILL_SWITCH_JS)).encode()),
                   (b"etag", KILL_SWITCH_ETAG.encode()), *NO_CACHE_HEADERS]
            if build_id:
                out.append((BUILD_HEADER, build_id))
            await self._send(send, 200, out, KILL_SWITCH_JS, method)
            return
        if choice.bundle is None:
            await self._json(send, 404, envelope("not_found", "No shell bundle is deployed."), build_id)
            return
        if not await self._serve_stored(send, choice.bundle.files[name], method, headers,
                                        [*NO_CACHE_HEADERS, *extra], build_id):
            await self._file_unavailable(send, build_id)

    async def _shell(self, send: Send, choice: Choice, method: str, headers: dict[bytes, bytes], build_id: bytes,
                     new_key: str | None) -> None:
        if choice.bundle is None:
            await self._unavailable_page(send, method, REPLACING_PAGE if self.store.problems else NO_BUNDLE_PAGE)
            return
        base = list(choice.bundle.shell_headers)
        if new_key:
            base.append((b"set-cookie", cohort_cookie(new_key, self.secure_cookies)))
        if not await self._serve_stored(send, choice.bundle.files["index.html"], method, headers, base, build_id):
            await self._unavailable_page(send, method, REPLACING_PAGE)  # readable, for a browser

    async def _unavailable_page(self, send: Send, method: str, message: bytes) -> None:
        """The page a browser shows when this node has no servable shell: readable, never blank. (A
        returning visitor's service worker shows its cached shell for a 503 instead.)"""
        body = b"<!doctype html><meta charset=utf-8><title>OpenAgents</title><p>" + message + b"</p>"
        await self._send(send, 503, [(b"content-type", b"text/html; charset=utf-8"),
                                     (b"content-length", str(len(body)).encode()), (b"retry-after", b"1"),
                                     *shell_headers()],
                         body, method)

    async def _upgrade_required(self, send: Send, code: str, client: str, choice: Choice, build_id: bytes) -> None:
        assert choice.bundle is not None
        window = choice.bundle.manifest.compatibility
        body = envelope(code, "This client build is no longer supported; reload to update.",
                        upgrade_required=True, client_build_id=client[:64],
                        min_client_build_id=window.min_client_build_id, build_id=choice.bundle.build_id)
        await self._json(send, 426, body, build_id)

    async def _json(self, send: Send, status: int, body: dict[str, Any], build_id: bytes) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                   (b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store")]
        if build_id:
            headers.append((BUILD_HEADER, build_id))
        await self._send(send, status, headers, data)
