"""A bundle whose files do not match its manifest (a copy still in progress, a file edited after the
build) is never served: the server would send the manifest's Content-Length and ETag with other bytes,
i.e. a cut-off page that then revalidates as current, or a response that never ends."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from openagents_server.web.bundles import BundleStore

from tests.support.bundles import BuiltBundles
from tests.support.servers import LiveServer
from tests.web.test_rollout import cli

pytestmark = pytest.mark.timeout(600)


def copy_bundle(bundles: BuiltBundles, build_id: str, root: Path) -> Path:
    """A copy made of hard links (fast); files are damaged by replacing them, never in place."""
    return Path(shutil.copytree(bundles.root / build_id, root / build_id, copy_function=os.link))


def replace(path: Path, data: bytes) -> None:
    path.unlink()
    path.write_bytes(data)


def wasm_br(bundle: Path) -> Path:
    return next(bundle.glob("assets/pyodide-*/pyodide.asm.wasm.br"))


@pytest.mark.parametrize("damaged", ["index.html", "runtime wasm (br)"])
def test_an_unfinished_copy_is_not_served_or_activated_until_it_is_complete(
        damaged: str, live_server: Callable[..., LiveServer], database_url: str, bundles: BuiltBundles,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # the CLI's messages and table on one line each
    root = tmp_path / "bundles"
    copy_bundle(bundles, bundles.a, root)
    newer = copy_bundle(bundles, bundles.b, root)
    path = newer / "index.html" if damaged == "index.html" else wasm_br(newer)
    whole = path.read_bytes()
    replace(path, whole[: len(whole) // 2])
    on_this_node = BuiltBundles(root, bundles.a, bundles.b)

    server = live_server(env={"OPENAGENTS_BUNDLES_DIR": str(root)})
    # The newest bundle on disk is B, but it is incomplete: the node serves A, whole.
    page = httpx.get(server.url + "/feed", timeout=10)
    assert page.status_code == 200 and page.headers["x-oa-build-id"] == bundles.a
    assert page.text.rstrip().endswith("</html>")

    refused = cli(database_url, on_this_node, "activate", bundles.b)
    assert refused.returncode == 1
    assert "cannot be served" in refused.stderr and path.name in refused.stderr, refused.stderr
    listing = cli(database_url, on_this_node, "list")
    assert "damaged" in listing.stdout and path.name in listing.stdout, listing.stdout

    replace(path, whole)  # the copy finishes
    activated = cli(database_url, on_this_node, "activate", bundles.b)
    assert activated.returncode == 0, activated.stderr
    deadline = time.monotonic() + 10
    while (page := httpx.get(server.url + "/feed", timeout=10)).headers["x-oa-build-id"] != bundles.b:
        assert time.monotonic() < deadline, "the completed bundle was never served"
        time.sleep(0.1)
    url = server.url + ("/feed" if damaged == "index.html"
                        else "/" + path.relative_to(newer).as_posix().removesuffix(".br"))
    with httpx.stream("GET", url, headers={"accept-encoding": "identity" if damaged == "index.html" else "br"},
                      timeout=30) as response:
        assert b"".join(response.iter_raw()) == whole

def test_a_node_whose_copy_of_the_active_bundle_is_damaged_answers_503_not_a_cut_off_page(
        live_server: Callable[..., LiveServer], database_url: str, bundles: BuiltBundles, tmp_path: Path) -> None:
    """Another node activated B (its copy is whole); this node's copy is not: a readable 503 until it is."""
    root = tmp_path / "bundles"
    copy_bundle(bundles, bundles.a, root)
    newer = copy_bundle(bundles, bundles.b, root)
    index = newer / "index.html"
    whole = index.read_bytes()
    replace(index, whole[:-200])
    assert cli(database_url, bundles, "activate", bundles.b).returncode == 0  # from a node with a whole copy

    server = live_server(env={"OPENAGENTS_BUNDLES_DIR": str(root)})
    page = httpx.get(server.url + "/settings/profile", timeout=10)
    assert page.status_code == 503 and bundles.b not in page.headers.get("x-oa-build-id", "")

    replace(index, whole)
    deadline = time.monotonic() + 10
    while (page := httpx.get(server.url + "/settings/profile", timeout=10)).status_code != 200:
        assert time.monotonic() < deadline, "the repaired bundle was never served"
        time.sleep(0.2)
    assert page.headers["x-oa-build-id"] == bundles.b and page.content == whole


def test_a_file_edited_in_place_is_caught_by_its_hash(bundles: BuiltBundles, tmp_path: Path) -> None:
    bundle = copy_bundle(bundles, bundles.a, tmp_path)
    index = bundle / "index.html"
    edited = bytearray(index.read_bytes())
    edited[edited.index(b"<title>") + 7] ^= 0x20  # same size, one letter's case flipped
    replace(index, bytes(edited))
    store = BundleStore(tmp_path)
    assert store.bundles() == {}
    assert "index.html differs from the manifest's sha256" in store.problems[bundles.a]


def raw_get(url: str, encoding: str) -> tuple[int, bytes]:
    """Status and the bytes as sent (no decoding), read to the end of the response."""
    with httpx.stream("GET", url, headers={"accept-encoding": encoding}, timeout=30) as response:
        return response.status_code, b"".join(response.iter_raw())


def test_a_file_changed_under_a_served_bundle_gets_a_503_until_it_is_whole_again(
        live_server: Callable[..., LiveServer], bundles: BuiltBundles, tmp_path: Path) -> None:
    """Checked when loaded, then changed on disk (e.g. a deploy overwriting files in place): the runtime is
    answered with a 503 envelope, never with the manifest's Content-Length and a different body."""
    root = tmp_path / "bundles"
    bundle = copy_bundle(bundles, bundles.b, root)
    server = live_server(env={"OPENAGENTS_BUNDLES_DIR": str(root)})
    assert httpx.get(server.url + "/feed", timeout=10).status_code == 200
    wasm = wasm_br(bundle)
    url = server.url + "/" + wasm.relative_to(bundle).as_posix().removesuffix(".br")
    whole = wasm.read_bytes()
    assert raw_get(url, "br") == (200, whole)

    replace(wasm, whole[: len(whole) // 3])
    status, body = raw_get(url, "br")
    assert status == 503 and json.loads(body)["error"]["code"] == "bundle_unavailable"
    page = httpx.get(server.url + "/feed", timeout=10)
    assert page.status_code == 503 and "being copied or replaced" in page.text

    replace(wasm, whole)
    deadline = time.monotonic() + 10
    while httpx.get(server.url + "/feed", timeout=10).status_code != 200:
        assert time.monotonic() < deadline, "the bundle was not served again once whole"
        time.sleep(0.2)
    assert raw_get(url, "br") == (200, whole)


def test_a_page_whose_index_html_changed_on_disk_gets_the_readable_503_page(
        live_server: Callable[..., LiveServer], bundles: BuiltBundles, tmp_path: Path) -> None:
    """index.html replaced after the bundle was checked, before this node first served it: a browser
    gets the HTML page that says what is happening, not a JSON envelope, and the shell once it is whole."""
    root = tmp_path / "bundles"
    bundle = copy_bundle(bundles, bundles.a, root)
    server = live_server(env={"OPENAGENTS_BUNDLES_DIR": str(root)})
    assert httpx.get(server.url + "/manifest.json", timeout=10).status_code == 200  # the bundle is loaded
    index_br = bundle / "index.html.br"
    whole = index_br.read_bytes()
    replace(index_br, whole[:-40])

    page = httpx.get(server.url + "/settings/profile", headers={"accept-encoding": "br"}, timeout=10)
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "being copied or replaced" in page.text

    replace(index_br, whole)
    deadline = time.monotonic() + 10
    while (page := httpx.get(server.url + "/settings/profile", headers={"accept-encoding": "br"},
                             timeout=10)).status_code != 200:
        assert time.monotonic() < deadline, "the repaired bundle was never served"
        time.sleep(0.2)
    assert page.headers["x-oa-build-id"] == bundles.a and "<progress" in page.text


@pytest.mark.parametrize("deleted", ["older", "newer"])
def test_deleting_one_bundle_never_breaks_a_file_another_bundle_still_has(
        live_server: Callable[..., LiveServer], bundles: BuiltBundles, tmp_path: Path, deleted: str) -> None:
    """Bundles share content-hashed files (the runtime, unchanged wheels). An operator pruning an old
    bundle, or removing a bad new one after a rollback, must not turn those into errors."""
    root = tmp_path / "bundles"
    older, newer = copy_bundle(bundles, bundles.a, root), copy_bundle(bundles, bundles.b, root)
    rel = wasm_br(newer).relative_to(newer)
    assert (older / rel).is_file()  # the same runtime, under the same content-hashed name
    server = live_server(env={"OPENAGENTS_BUNDLES_DIR": str(root)})
    url = server.url + "/" + rel.as_posix().removesuffix(".br")
    whole = (newer / rel).read_bytes()
    assert raw_get(url, "br") == (200, whole)

    shutil.rmtree(older if deleted == "older" else newer)
    assert raw_get(url, "br") == (200, whole)
