"""Issue 18 point 8: a bundle deleted from disk stops being served (from memory too) within a second."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from openagents_proto.bundle_manifest import decode_manifest
from openagents_server.web.bundles import RESCAN_INTERVAL_S

from tests.support.bundles import BuiltBundles
from tests.support.servers import LiveServer
from tests.web.conftest import bundles  # noqa: F401 - the session's built bundles (fixture)

pytestmark = pytest.mark.timeout(600)


def _assets(root: Path) -> dict[str, int]:
    manifest = decode_manifest((root / "manifest.json").read_bytes())
    return {a.path: a.size for a in manifest.assets}


def test_a_deleted_bundles_assets_and_build_go_away(live_server: Callable[..., LiveServer], bundles: BuiltBundles,  # noqa: F811
                                                    tmp_path: Path) -> None:
    root = tmp_path / "bundles"
    for build in (bundles.a, bundles.b):
        shutil.copytree(bundles.root / build, root / build, copy_function=os.link)
    only_b = sorted(path for path, size in _assets(root / bundles.b).items()
                    if path not in _assets(root / bundles.a) and size < 64 * 1024)
    assert only_b, "bundle B has no small file of its own"
    url = "/" + only_b[0]
    server = live_server(env={"OPENAGENTS_BUNDLES_DIR": str(root)})
    with httpx.Client(base_url=server.url, headers={"accept-encoding": "identity"}) as http:
        assert http.get(url).status_code == 200  # now held in memory
        assert http.get("/feed").headers["x-oa-build-id"] == bundles.b
        shutil.rmtree(root / bundles.b)
        deadline = time.monotonic() + RESCAN_INTERVAL_S + 1.5
        while True:
            asset, page = http.get(url), http.get("/feed")
            if asset.status_code == 404 and page.headers.get("x-oa-build-id") == bundles.a:
                break
            assert time.monotonic() < deadline, (asset.status_code, page.headers.get("x-oa-build-id"))
            time.sleep(0.1)
        assert page.status_code == 200
