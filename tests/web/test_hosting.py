"""Hosting rules (issue 6, point 2) checked against a real granian server serving real bundles."""

from __future__ import annotations

import gzip
import socket
from collections.abc import Callable
from dataclasses import dataclass

import brotli
import httpx
import pytest
from openagents_proto.bundle_manifest import Manifest, decode_manifest
from openagents_server.web.headers import content_security_policy

from tests.support.bundles import BuiltBundles
from tests.support.servers import LiveServer

SHELL_ROUTES = ["/", "/feed", "/settings/profile", "/l402/transactions/abc", "/chat/some-thread",
                "/admin/users/42/edit", "/a/deep/link/nobody/declared"]

#: The first test of a session builds the bundles (≈ 45 s of brotli on a fresh machine).
pytestmark = pytest.mark.timeout(600)


@pytest.fixture
def server(shared_server: LiveServer) -> LiveServer:
    return shared_server


@pytest.fixture
def newest(bundles: BuiltBundles) -> Manifest:
    """With no activation recorded, the server serves the newest bundle on disk (B)."""
    return decode_manifest((bundles.root / bundles.b / "manifest.json").read_bytes())


@dataclass
class RawResponse:
    status_code: int
    headers: dict[str, str]
    text: str


def raw_get(server: LiveServer, raw_path: str) -> RawResponse:
    """Send the request line exactly as given over a socket (HTTP clients resolve ``..`` themselves)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(f"GET {raw_path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    return RawResponse(int(lines[0].split(" ", 2)[1]), headers, body.decode("latin-1"))


def get(server: LiveServer, path: str, **headers: str) -> httpx.Response:
    return httpx.get(server.url + path, headers=headers, timeout=10)


@pytest.mark.parametrize("path", SHELL_ROUTES)
def test_every_page_route_returns_the_shell_with_security_headers(server: LiveServer, newest: Manifest,
                                                                  path: str) -> None:
    r = get(server, path)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert f'content="{newest.build_id}"' in r.text and newest.entry.boot in r.text
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["etag"].startswith('"')
    assert r.headers["content-security-policy"] == content_security_policy(newest.entry.style_hashes)
    csp = r.headers["content-security-policy"]
    assert "'wasm-unsafe-eval'" in csp and "'unsafe-eval'" not in csp.replace("'wasm-unsafe-eval'", "")
    assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert r.headers["x-frame-options"] == "DENY"
    assert "camera=()" in r.headers["permissions-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-oa-build-id"] == newest.build_id


def test_shell_revalidates_with_304_and_sets_a_stable_cohort_cookie(server: LiveServer) -> None:
    first = get(server, "/feed")
    cookie = first.headers["set-cookie"]
    assert cookie.startswith("oa_cohort=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    key = cookie.split(";")[0]
    again = get(server, "/settings/profile", **{"if-none-match": first.headers["etag"], "cookie": key})
    assert again.status_code == 304 and again.content == b""
    assert "set-cookie" not in again.headers
    assert again.headers["etag"] == first.headers["etag"]


def test_shell_is_served_brotli_when_accepted(server: LiveServer) -> None:
    raw = httpx.get(server.url + "/feed", headers={"accept-encoding": "br"}, timeout=10)
    assert raw.headers["content-encoding"] == "br"
    assert raw.headers["vary"] == "Accept-Encoding"


def test_unknown_api_path_is_json_404_never_the_shell(server: LiveServer, newest: Manifest) -> None:
    for path in ("/api/nope", "/api", "/api/web/nope/deeper"):
        r = get(server, path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("application/json")
        assert r.json()["error"]["code"] == "not_found"
        assert r.headers["x-oa-build-id"] == newest.build_id


def test_post_to_a_page_route_is_not_answered_with_the_shell(server: LiveServer) -> None:
    r = httpx.post(server.url + "/feed", timeout=10)
    assert r.status_code in (404, 405)
    assert r.headers["content-type"].startswith("application/json")


def test_hashed_asset_headers(server: LiveServer, newest: Manifest) -> None:
    r = get(server, newest.entry.boot, **{"accept-encoding": "identity"})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["vary"] == "Accept-Encoding"
    assert "content-encoding" not in r.headers
    etag = r.headers["etag"]
    assert etag.startswith('"') and not etag.startswith('W/')
    assert r.headers["x-oa-build-id"] == newest.build_id
    asset = next(a for a in newest.assets if "/" + a.path == newest.entry.boot)
    assert etag.strip('"') == asset.sha256[:32]
    assert int(r.headers["content-length"]) == asset.size


def test_hashed_asset_304_on_if_none_match(server: LiveServer, newest: Manifest) -> None:
    first = get(server, newest.entry.icon, **{"accept-encoding": "br"})
    again = get(server, newest.entry.icon, **{"accept-encoding": "br", "if-none-match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == "public, max-age=31536000, immutable"
    # another representation's tag does not match
    other = get(server, newest.entry.icon, **{"accept-encoding": "identity", "if-none-match": first.headers["etag"]})
    assert other.status_code == 200


@pytest.mark.parametrize("accept, encoding", [("br", "br"), ("gzip", "gzip"), ("gzip, deflate, br, zstd", "br"),
                                              ("br;q=0, gzip", "gzip"), ("identity", None), ("", None)])
def test_encoding_follows_accept_encoding(server: LiveServer, newest: Manifest, accept: str,
                                          encoding: str | None) -> None:
    url = newest.entry.runtime + "pyodide.asm.wasm"
    with httpx.Client(timeout=30) as client, client.stream("GET", server.url + url,
                                                           headers={"accept-encoding": accept}) as r:
        body = b"".join(r.iter_raw())
    assert r.status_code == 200
    assert r.headers.get("content-encoding") == encoding
    assert r.headers["content-type"] == "application/wasm"
    assert r.headers["vary"] == "Accept-Encoding"
    raw = {"br": brotli.decompress, "gzip": gzip.decompress}.get(encoding or "", lambda b: b)(body) \
        if encoding else body
    assert raw[:4] == b"\0asm"
    assert len(raw) == next(a.size for a in newest.assets if "/" + a.path == url)
    assert r.headers["etag"].endswith({"br": '-br"', "gzip": '-gz"'}.get(encoding or "", '"'))


def test_mjs_content_type(server: LiveServer, newest: Manifest) -> None:
    r = httpx.head(server.url + newest.entry.runtime + "pyodide.mjs", timeout=10)
    assert r.status_code == 200 and r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert int(r.headers["content-length"]) > 1000


@pytest.mark.parametrize("path", [
    "/assets/nope.js",
    "/assets/",
    "/assets/../manifest.json",
    "/assets/%2e%2e/manifest.json",
    "/assets/..%2fmanifest.json",
    "/assets/pyodide-000000000000/pyodide.asm.wasm",
    "/assets//etc/passwd",
    "/assets/%2fetc%2fpasswd",
])
def test_unknown_or_traversing_asset_paths_are_404(server: LiveServer, path: str) -> None:
    r = raw_get(server, path)
    assert r.status_code == 404, (path, r.status_code)
    assert r.headers["content-type"].startswith("application/json")
    assert "root:" not in r.text


@pytest.mark.parametrize("tail", ["../../index.html", "..%2F..%2Fmanifest.json", "../../../../../etc/passwd",
                                  "pyodide.asm.wasm/../../../index.html"])
def test_traversal_out_of_a_real_asset_directory_is_404(server: LiveServer, newest: Manifest, tail: str) -> None:
    r = raw_get(server, newest.entry.runtime + tail)  # /assets/pyodide-<h>/…
    assert r.status_code == 404
    assert "root:" not in r.text and "<html" not in r.text


def test_sw_and_manifest_are_no_cache(server: LiveServer, newest: Manifest) -> None:
    sw = get(server, "/sw.js")
    assert sw.status_code == 200 and sw.headers["cache-control"] == "no-cache"
    assert sw.headers["content-type"] == "text/javascript; charset=utf-8"
    assert newest.build_id in sw.text
    man = get(server, "/manifest.json")
    assert man.status_code == 200 and man.headers["cache-control"] == "no-cache"
    assert man.json()["build_id"] == newest.build_id
    assert man.headers["x-oa-killswitch"] == "off" and man.headers["x-oa-update-check-seconds"] == "60"
    not_modified = get(server, "/manifest.json", **{"if-none-match": man.headers["etag"]})
    assert not_modified.status_code == 304 and not_modified.headers["x-oa-killswitch"] == "off"


def test_every_response_carries_the_build_id(server: LiveServer, newest: Manifest) -> None:
    for method, path in [("GET", "/healthz"), ("GET", "/api/web/client"), ("GET", "/openapi.json"),
                         ("DELETE", "/healthz"), ("GET", "/assets/nope"), ("GET", "/sw.js"), ("HEAD", "/feed")]:
        r = httpx.request(method, server.url + path, timeout=10)
        assert r.headers.get("x-oa-build-id") == newest.build_id, (method, path, r.status_code)


def test_no_bundle_deployed_gives_a_readable_503(live_server: Callable[..., LiveServer], tmp_path) -> None:
    server = live_server(env={"OPENAGENTS_BUNDLES_DIR": str(tmp_path)})
    r = get(server, "/feed")
    assert r.status_code == 503 and "openagents build" in r.text
    assert get(server, "/api/nope").status_code == 404
