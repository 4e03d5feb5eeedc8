"""``openagents build``: what lands in dist/bundles/<build_id>/, reproducibly and atomically."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import brotli
import pytest
from openagents_build import BuildOptions, build_bundle, pipeline
from openagents_build.pins import DEPENDENCY_WHEELS, LAZY_WHEELS, PYODIDE_CORE_FILES
from openagents_build.wheels import WheelError, fetch_dependency_wheels, wheel_filename
from openagents_proto.bundle_manifest import decode_manifest

from tests.support.bundles import REPO, TIME_A, BuiltBundles

HASHED = re.compile(r"^assets/(?:[a-z_.-]+-[0-9a-f]{12}\.[a-z0-9]+|(?:pyodide|whl)-[0-9a-f]{12}/[^/]+)$")

#: The first test of a session builds the bundles (≈ 45 s of brotli on a fresh machine).
pytestmark = pytest.mark.timeout(600)


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_inputs_give_a_byte_identical_bundle(tmp_path: Path) -> None:
    one = build_bundle(BuildOptions(repo=REPO, bundles_dir=tmp_path / "one", build_time=TIME_A))
    two = build_bundle(BuildOptions(repo=REPO, bundles_dir=tmp_path / "two", build_time=TIME_A))
    assert one.build_id == two.build_id
    digest_one, digest_two = tree_digest(one.path), tree_digest(two.path)
    assert len(digest_one) > 30
    assert digest_one == digest_two


def test_a_different_build_time_gives_a_different_build(bundles: BuiltBundles) -> None:
    assert bundles.a != bundles.b
    assert bundles.a < bundles.b  # build ids order by build time


def test_every_asset_is_content_hashed_with_br_and_gz_siblings(bundles: BuiltBundles) -> None:
    root = bundles.root / bundles.a
    manifest = decode_manifest((root / "manifest.json").read_bytes())
    assert manifest.build_id == bundles.a
    listed = {a.path for a in manifest.assets}
    on_disk = {str(p.relative_to(root)) for p in root.rglob("*")
               if p.is_file() and p.suffix not in (".br", ".gz")} - {"manifest.json"}
    assert listed == on_disk
    for asset in manifest.assets:
        data = (root / asset.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == asset.sha256 and len(data) == asset.size
        assert brotli.decompress((root / (asset.path + ".br")).read_bytes()) == data
        assert gzip.decompress((root / (asset.path + ".gz")).read_bytes()) == data
        if asset.path.startswith("assets/"):
            assert HASHED.match(asset.path), asset.path
            name = asset.path.rsplit("/", 1)[-1]
            short = asset.path.split("/")[1]
            digest = re.search(r"-([0-9a-f]{12})", short)
            assert digest, asset.path
            if "/" not in asset.path[len("assets/"):]:  # a single file: its own content hash
                assert asset.sha256.startswith(digest[1]), name


def test_bundle_ships_pinned_runtime_wheels_and_a_lock_listing_exactly_them(bundles: BuiltBundles) -> None:
    root = bundles.root / bundles.a
    manifest = decode_manifest((root / "manifest.json").read_bytes())
    runtime = root / manifest.entry.runtime.lstrip("/")
    assert sorted(p.name for p in runtime.iterdir() if p.suffix not in (".br", ".gz")) == sorted(PYODIDE_CORE_FILES)
    npm = REPO / "build" / "node_modules" / "pyodide"
    for name in PYODIDE_CORE_FILES:
        assert (runtime / name).read_bytes() == (npm / name).read_bytes()
    lock = json.loads((root / manifest.entry.lock.lstrip("/")).read_text())
    assert lock["info"]["python"].startswith("3.14")
    assert set(lock["packages"]) == {"openagents-shell", *(w.name for w in DEPENDENCY_WHEELS),
                                     *(w.name for w in LAZY_WHEELS)}
    lock_dir = (root / manifest.entry.lock.lstrip("/")).parent
    for entry in lock["packages"].values():
        wheel = lock_dir / entry["file_name"]
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() == entry["sha256"]
    assert lock["packages"]["openagents-shell"]["depends"] == []  # the first frame needs only the shell
    assert set(manifest.entry.deferred_packages) == {w.name for w in DEPENDENCY_WHEELS}
    assert "openagents_shell" in lock["packages"]["openagents-shell"]["imports"]


def test_page_level_wheels_are_in_the_lock_and_manifest_but_loaded_by_no_one_at_boot(bundles: BuiltBundles) -> None:
    """Pygments and segno (ADR 0308): pinned files with their sha256 in the lock (the browser checks it
    through fetch integrity), listed as lazy; not in the boot packages, not deferred, not in the boot
    progress sizes, not precached by the worker (it caches them on first use)."""
    root = bundles.root / bundles.a
    manifest = decode_manifest((root / "manifest.json").read_bytes())
    names = [w.name for w in LAZY_WHEELS]
    assert manifest.entry.lazy_packages == names == ["pygments", "segno"]
    assert not set(names) & set(manifest.entry.packages) and not set(names) & set(manifest.entry.deferred_packages)
    lock = json.loads((root / manifest.entry.lock.lstrip("/")).read_text())
    lock_dir = (root / manifest.entry.lock.lstrip("/")).parent
    wheels = {w.name: w for w in manifest.wheels}
    for pin in LAZY_WHEELS:
        entry, wheel = lock["packages"][pin.name], wheels[pin.name]
        assert entry["sha256"] == wheel.sha256 == pin.sha256 and entry["version"] == wheel.version == pin.version
        assert entry["imports"] == list(pin.imports) and entry["depends"] == []
        assert (lock_dir / entry["file_name"]).resolve() == (root / wheel.url.lstrip("/")).resolve()
        assert wheel.url.endswith("/" + wheel_filename(pin)) and HASHED.match(wheel.url[1:])
        assert hashlib.sha256((root / wheel.url.lstrip("/")).read_bytes()).hexdigest() == pin.sha256
    lazy_urls = sorted(wheels[n].url for n in names)
    assert manifest.service_worker.lazy == lazy_urls
    assert not set(lazy_urls) & set(manifest.service_worker.pinned)
    assert {a.path for a in manifest.assets} >= {u[1:] for u in lazy_urls}  # shipped, compressed, hashed
    index = (root / "index.html").read_text()
    config = json.loads(re.search(r'<script type="application/json" id="oa-boot-config">(.*?)</script>', index, re.DOTALL)[1])
    assert config["lazy_packages"] == names and not set(names) & set(config["deferred_packages"])
    assert not set(lazy_urls) & set(config["sizes"])
    sw = (root / "sw.js").read_text()
    bundle = json.loads(sw.split("\n", 1)[0].removeprefix("self.OA_BUNDLE = ").rstrip(";"))
    assert bundle["lazy"] == lazy_urls and not set(lazy_urls) & set(bundle["pinned"])


def test_a_cached_wheel_that_does_not_match_its_pin_is_refused_and_dropped(tmp_path: Path) -> None:
    pin = LAZY_WHEELS[1]
    cached = tmp_path / wheel_filename(pin)
    cached.write_bytes(b"PK\x03\x04 not the pinned segno")
    with pytest.raises(WheelError, match="does not match the pin"):
        fetch_dependency_wheels(tmp_path, [pin])
    assert not cached.exists()  # the next build downloads it again instead of trusting it


def test_shell_wheel_contains_the_shell_and_the_contracts_package(bundles: BuiltBundles) -> None:
    import zipfile

    root = bundles.root / bundles.a
    manifest = decode_manifest((root / "manifest.json").read_bytes())
    shell = next(w for w in manifest.wheels if w.name == "openagents-shell")
    names = zipfile.ZipFile(root / shell.url.lstrip("/")).namelist()
    assert "openagents_shell/entry.py" in names and "openagents_shell/routes.py" in names
    assert "openagents_proto/__init__.py" in names
    assert not any("server" in n.split("/")[0] for n in names)


def test_manifest_declares_entry_compat_window_and_service_worker(bundles: BuiltBundles) -> None:
    root = bundles.root / bundles.b
    manifest = decode_manifest((root / "manifest.json").read_bytes())
    assert manifest.compatibility.protocol_version == "khala.ws.v1"
    assert manifest.compatibility.max_client_build_id == bundles.b
    assert manifest.service_worker.cache == f"oa-build-{bundles.b}"
    pinned = set(manifest.service_worker.pinned)
    assert manifest.entry.boot in pinned and manifest.entry.lock in pinned
    assert manifest.entry.runtime + "pyodide.asm.wasm" in pinned
    index = (root / "index.html").read_text()
    assert manifest.entry.boot in index and bundles.b in index
    sw = (root / "sw.js").read_text()
    assert f'"build_id": "{bundles.b}"' in sw


def test_fonts_ship_in_the_bundle_and_the_inline_css_points_at_their_hashed_names(bundles: BuiltBundles) -> None:
    root = bundles.root / bundles.b
    manifest = decode_manifest((root / "manifest.json").read_bytes())
    fonts = [p for p in manifest.service_worker.pinned if p.endswith(".woff2")]
    assert fonts and all(HASHED.match(p[1:]) for p in fonts)
    assert (root / fonts[0][1:]).read_bytes() == (REPO / "static/fonts/inter-latin-wght-normal.woff2").read_bytes()
    assert any(p.endswith(".txt") for p in manifest.service_worker.pinned)  # the OFL travels with the font
    index = (root / "index.html").read_text()
    assert f'url("{fonts[0]}")' in index and "fonts/inter-latin" not in index


def test_the_skeleton_wordmark_is_inline_outlines_generated_from_the_shipped_font(bundles: BuiltBundles) -> None:
    """The first frame lays out no text (ADR 0302): the wordmark is the font's outlines, inline, and the
    committed file is what scripts/wordmark.py makes from the Inter we ship (a font change regenerates it)."""
    check = subprocess.run([sys.executable, str(REPO / "scripts" / "wordmark.py"), "--check"],
                           capture_output=True, text=True, timeout=120, check=False)
    assert check.returncode == 0, check.stderr
    index = (bundles.root / bundles.b / "index.html").read_text()
    skeleton = index[index.index('<div id="oa-boot"'):index.index('<div id="oa-app"')]
    assert (REPO / "static" / "wordmark.svg").read_text().strip() in skeleton
    assert 'aria-label="OpenAgents"' in skeleton and "<text" not in skeleton


def test_a_css_url_to_a_file_the_build_does_not_ship_fails_the_build() -> None:
    urls = {"fonts/a.woff2": "/assets/a-0123456789ab.woff2"}
    css = 'a{src:url(fonts/a.woff2)} b{background:url("data:image/png;base64,AA")} c{src:url(\'/x.png\')}'
    assert pipeline._link_css_urls(css, urls) == (
        'a{src:url("/assets/a-0123456789ab.woff2")} b{background:url("data:image/png;base64,AA")} c{src:url(\'/x.png\')}')
    with pytest.raises(pipeline.BuildError, match="fonts/missing.woff2"):
        pipeline._link_css_urls("a{src:url('fonts/missing.woff2')}", urls)


def test_a_build_that_fails_midway_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> bytes:
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(pipeline, "write_lock", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        build_bundle(BuildOptions(repo=REPO, bundles_dir=tmp_path, build_time=TIME_A))
    assert list(tmp_path.iterdir()) == []


def test_cli_build_prints_the_build_id_and_is_idempotent(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "openagents_server.cli", "build", "--out", str(tmp_path), "--build-time", str(TIME_A)]
    first = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=300, check=False)
    assert first.returncode == 0, first.stderr
    build_id = first.stdout.strip()
    assert (tmp_path / build_id / "manifest.json").is_file()
    second = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=300, check=False)
    assert second.returncode == 0 and second.stdout.strip() == build_id
    assert "unchanged" in second.stderr


def test_a_malformed_client_floor_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(pipeline.BuildError, match="not a build id"):
        build_bundle(BuildOptions(repo=REPO, bundles_dir=tmp_path / "out", min_client_build_id="yesterday"))
    assert not (tmp_path / "out").exists()


def test_a_client_floor_above_the_build_itself_is_refused_and_leaves_no_bundle(tmp_path: Path) -> None:
    """Its own shell would be below the minimum, so every API call from it would get 426."""
    with pytest.raises(pipeline.BuildError, match="own shell would be refused"):
        build_bundle(BuildOptions(repo=REPO, bundles_dir=tmp_path / "out", build_time=TIME_A,
                                  min_client_build_id=pipeline.format_build_time(TIME_A + 1)))
    out = tmp_path / "out"
    assert (list(out.iterdir()) if out.exists() else []) == []  # no bundle, no staging left behind
