"""``openagents build``: sources in, ``dist/bundles/<build_id>/`` out, reproducibly and atomically.

Layout of a bundle (URLs are the same paths under ``/``)::

    index.html  sw.js  manifest.json              (served no-cache; .br/.gz siblings)
    assets/boot-<h>.js  icon-<h>.svg              (styles are inlined: no request before first paint)
    assets/pyodide-<h>/pyodide.mjs …               (the runtime keeps its file names, so the
                                                   content hash names the directory instead)
    assets/whl-<h>/<wheel file name>              (Pyodide parses wheel names: hash the directory)
    assets/pyodide-lock-<h>.json

The build id is ``<UTC build time>-<digest>``: the time orders builds for the compatibility window
(fixture ids look like ``20260221T120000Z``), the digest of every input makes it unique. The build
time is ``SOURCE_DATE_EPOCH`` or the last commit's time, so the same inputs give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openagents_proto.bundle_manifest import (
    Asset,
    Compatibility,
    Entry,
    Manifest,
    ServiceWorker,
    Wheel,
    decode_manifest,
    encode_manifest,
)
from openagents_proto.sync.compat import is_shell_build

from openagents_build.hashing import NAME_HASH_LEN, Compressor, hashed_name, sha256_hex
from openagents_build.lockfile import lock_entry, write_lock
from openagents_build.pins import (
    LAZY_WHEELS,
    PROTOCOL_VERSION,
    PYODIDE_CORE_FILES,
    PYODIDE_VERSION,
    SCHEMA_RANGE,
)
from openagents_build.runtime import core_lock_info, ensure_runtime
from openagents_build.wheels import (
    SHELL_DIST,
    build_shell_wheel,
    fetch_dependency_wheels,
    project_version,
    shell_packages,
)

PYTHON_ENTRY = "openagents_shell.entry"
STAGING_PREFIX = ".staging-"
#: Accept every older client unless the build says otherwise (``--min-client-build``).
OPEN_MIN_CLIENT_BUILD = "00000000T000000Z"
Reporter = Callable[[str], None]


class BuildError(Exception):
    """The build failed; nothing was left in the bundles directory."""


@dataclass
class BuildOptions:
    repo: Path
    bundles_dir: Path
    cache_dir: Path | None = None
    #: Unix time recorded as the build time; None: SOURCE_DATE_EPOCH, else the last commit's time.
    build_time: int | None = None
    min_client_build_id: str = OPEN_MIN_CLIENT_BUILD


@dataclass
class BuildResult:
    build_id: str
    path: Path
    manifest: Manifest
    created: bool
    timings: dict[str, float] = field(default_factory=dict)


def default_build_time(repo: Path) -> int:
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env:
        return int(env)
    try:
        out = subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%ct"],
                             capture_output=True, text=True, check=True).stdout.strip()
        return int(out)
    except (subprocess.CalledProcessError, FileNotFoundError, ValueError):
        return 0


def format_build_time(epoch: int) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


class _Stage:
    """Writes files into the staging directory and records them as manifest assets."""

    def __init__(self, root: Path, compressor: Compressor) -> None:
        self.root = root
        self.compressor = compressor
        self.assets: list[Asset] = []

    def put(self, rel: str, data: bytes) -> str:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.chmod(path, 0o644)
        br, gz = self.compressor.siblings(path)
        self.assets.append(Asset(path=rel, sha256=sha256_hex(data), size=len(data), br=br, gz=gz))
        return "/" + rel


def _dir_digest(files: list[tuple[str, bytes]]) -> str:
    return sha256_hex("".join(f"{name}\0{sha256_hex(data)}\n" for name, data in sorted(files)).encode())[
        :NAME_HASH_LEN
    ]


_CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""")


def _link_css_urls(css: str, urls: dict[str, str]) -> str:
    """Point every relative ``url(...)`` of the inline CSS at its content-hashed asset.

    A reference to a file the build did not stage fails the build (it would 404 in every browser)."""
    def link(match: re.Match[str]) -> str:
        ref = match.group(2)
        if ref.startswith(("data:", "/", "#")):
            return match.group(0)
        if ref not in urls:
            raise BuildError(f"styles.css refers to {ref!r}, which is not a static asset of the build")
        return f'url("{urls[ref]}")'

    return _CSS_URL.sub(link, css)


def _render(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", value)
    if "{{" in template:
        raise BuildError(f"unfilled placeholder in template near {template[template.index('{{'):][:40]!r}")
    return template


def _clean_stale_staging(bundles_dir: Path) -> None:
    for path in bundles_dir.glob(STAGING_PREFIX + "*"):
        try:
            pid = int(path.name[len(STAGING_PREFIX):].split("-", 1)[0])
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:
            pass


def build_bundle(options: BuildOptions, report: Reporter | None = None) -> BuildResult:
    """Build one bundle. On any failure the staging directory is removed: no half bundle remains."""
    if not is_shell_build(options.min_client_build_id):
        raise BuildError(f"--min-client-build {options.min_client_build_id!r} is not a build id "
                         "(YYYYMMDDTHHMMSSZ, optionally followed by -<suffix>)")
    say = report or (lambda _msg: None)
    repo = options.repo.resolve()
    bundles_dir = options.bundles_dir.resolve()
    cache_dir = (options.cache_dir or repo / "var" / "build-cache").resolve()
    bundles_dir.mkdir(parents=True, exist_ok=True)
    _clean_stale_staging(bundles_dir)
    staging = bundles_dir / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir()
    timings: dict[str, float] = {}
    try:
        manifest = _assemble(options, repo, staging, cache_dir, say, timings)
        final = bundles_dir / manifest.build_id
        created = True
        if final.exists():
            existing = (final / "manifest.json").read_bytes()
            if existing != encode_manifest(manifest):
                raise BuildError(f"{final} exists with different content; remove it to rebuild")
            shutil.rmtree(staging)
            created = False
            say(f"bundle {manifest.build_id} already exists with identical content")
        else:
            try:
                os.rename(staging, final)  # atomic: readers see no bundle or a whole one
            except OSError:
                if not (final / "manifest.json").exists():
                    raise
                shutil.rmtree(staging)  # a concurrent build of the same inputs won the race
                created = False
        return BuildResult(manifest.build_id, final, manifest, created, timings)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _assemble(options: BuildOptions, repo: Path, staging: Path, cache_dir: Path, say: Reporter,
              timings: dict[str, float]) -> Manifest:
    def timed(name: str, started: float) -> None:
        timings[name] = round(time.perf_counter() - started, 3)

    stage = _Stage(staging, Compressor(cache_dir / "compressed"))
    epoch = options.build_time if options.build_time is not None else default_build_time(repo)
    if epoch == 0:
        say("warning: no SOURCE_DATE_EPOCH and no git history: the build time is 1970-01-01")
    if options.min_client_build_id.split("-", 1)[0] > format_build_time(epoch):
        # The window would put this bundle's own shell below its minimum: every API call it makes
        # would get 426 upgrade_required.
        raise BuildError(f"--min-client-build {options.min_client_build_id} is later than this build's time "
                         f"{format_build_time(epoch)} (the last commit's, or SOURCE_DATE_EPOCH): the bundle's "
                         "own shell would be refused with 426. Commit first, or lower the minimum.")
    static = repo / "static"

    t = time.perf_counter()
    say(f"Pyodide {PYODIDE_VERSION} runtime (npm ci --prefix build)")
    pkg = ensure_runtime(repo / "build")
    core = [(name, (pkg / name).read_bytes()) for name in PYODIDE_CORE_FILES]
    runtime_dir = f"assets/pyodide-{_dir_digest(core)}/"
    for name, data in core:
        stage.put(runtime_dir + name, data)
    timed("runtime", t)

    t = time.perf_counter()
    say(f"wheels: {SHELL_DIST} ({', '.join(shell_packages(repo))}) via python -m build; pinned deps via pip")
    wheel_dir = cache_dir / "shell-wheel" / secrets.token_hex(4)
    shell_wheel = build_shell_wheel(repo, wheel_dir, epoch)
    wheel_files = [(SHELL_DIST, project_version(repo), shell_wheel)]
    deps = fetch_dependency_wheels(cache_dir / "wheels")
    # Page-level wheels (ADR 0308): in the lock and the manifest like the others, loaded by no one at
    # boot; the shell asks for one when a page first needs it.
    lazy = fetch_dependency_wheels(cache_dir / "wheels", LAZY_WHEELS)
    deps += lazy
    wheel_files += [(pin.name, pin.version, path) for pin, path in deps]
    entries: dict[str, dict[str, object]] = {}
    wheels: list[Wheel] = []
    for name, version, path in wheel_files:
        data = path.read_bytes()
        rel_dir = f"whl-{sha256_hex(data)[:NAME_HASH_LEN]}/"
        url = stage.put("assets/" + rel_dir + path.name, data)
        wheels.append(Wheel(name=name, version=version, url=url, sha256=sha256_hex(data)))
        if name == SHELL_DIST:
            # No lock-level depends: the first frame needs only the shell; the dependency wheels load
            # right after it (entry.deferred_packages), off the critical path.
            imports, depends = shell_packages(repo), []
        else:
            pin = next(p for p, _ in deps if p.name == name)
            imports, depends = list(pin.imports), []
        entries[name] = lock_entry(name, version, rel_dir + path.name, sha256_hex(data), imports, depends)
    shutil.rmtree(wheel_dir, ignore_errors=True)
    timed("wheels", t)

    t = time.perf_counter()
    say("pyodide-lock.json for exactly these wheels")
    lock_bytes = write_lock(core_lock_info(pkg), entries)
    lock_url = stage.put("assets/" + hashed_name("pyodide-lock.json", lock_bytes), lock_bytes)

    # Fonts ship with their licence text (the OFL asks every copy of the font to carry it).
    font_files = sorted(path.relative_to(static).as_posix() for path in (static / "fonts").iterdir()
                        if path.suffix in (".woff2", ".txt"))
    fonts = [name for name in font_files if name.endswith(".woff2")]
    say(f"static: boot.js, icon, {len(fonts)} font(s) (content-hashed); styles inlined")
    urls: dict[str, str] = {}
    for name in ("boot.js", "icon.svg", *font_files):
        data = (static / name).read_bytes()
        urls[name] = stage.put("assets/" + hashed_name(name.rsplit("/", 1)[-1], data), data)
    timed("static", t)

    # Everything content-addressed is in place: the build id is the digest of all of it plus the
    # templates and the compatibility window.
    t = time.perf_counter()
    index_template = (static / "index.html").read_text()
    # Inline CSS paints the skeleton without waiting for a request; CSP allows exactly this block.
    styles = _link_css_urls((static / "styles.css").read_text().strip(), urls)
    if "</" in styles:
        raise BuildError("styles.css must not contain '</'")
    style_hash = "sha256-" + base64.b64encode(hashlib.sha256(styles.encode()).digest()).decode()
    # The skeleton's wordmark, inline as outlines: the first frame then needs no font (ADR 0302).
    wordmark = (static / "wordmark.svg").read_text().strip()
    if "<script" in wordmark or "</svg>" not in wordmark:
        raise BuildError("wordmark.svg must be one inline <svg> without scripts")
    sw_template = (static / "sw.js").read_text()
    digest_input = json.dumps({
        "assets": sorted((a.path, a.sha256) for a in stage.assets),
        "index": sha256_hex(index_template.encode()),
        "styles": style_hash,
        "wordmark": sha256_hex(wordmark.encode()),
        "sw": sha256_hex(sw_template.encode()),
        "min_client": options.min_client_build_id,
        "time": epoch,
    }, sort_keys=True).encode()
    build_id = f"{format_build_time(epoch)}-{sha256_hex(digest_input)[:10]}"
    say(f"build id {build_id}")

    runtime_url = "/" + runtime_dir
    packages = [SHELL_DIST]
    lazy_names = [pin.name for pin, _ in lazy]
    deferred = [pin.name for pin, _ in deps if pin.name not in lazy_names]
    boot_wheels = {w.url for w in wheels if w.name in packages}
    sizes = {"/" + a.path: a.size for a in stage.assets  # what boot downloads: drives the progress bar
             if a.path.startswith(runtime_dir) or "/" + a.path in boot_wheels or a.path.endswith(lock_url[1:])}
    # The worker precaches everything but the page-level wheels: those it caches on first use (and
    # carries over from an older build's cache), so a visitor who never needs them never downloads them.
    lazy_urls = sorted(w.url for w in wheels if w.name in lazy_names)
    pinned = sorted("/" + a.path for a in stage.assets if "/" + a.path not in lazy_urls)
    cache_name = f"oa-build-{build_id}"
    config = {
        "build_id": build_id,
        "runtime": runtime_url,
        "lock": lock_url,
        "packages": packages,
        "deferred_packages": deferred,
        "lazy_packages": lazy_names,
        "entry": PYTHON_ENTRY,
        "service_worker": "/sw.js",
        "sizes": dict(sorted(sizes.items())),
    }
    config_json = json.dumps(config, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")
    index = _render(index_template, {
        "build_id": build_id,
        "styles_inline": styles,
        "wordmark_svg": wordmark,
        "boot": urls["boot.js"],
        "icon": urls["icon.svg"],
        "pyodide_mjs": runtime_url + "pyodide.mjs",
        "config_json": config_json,
    })
    sw_config = {"build_id": build_id, "cache": cache_name, "pinned": pinned, "lazy": lazy_urls, "shell": "/"}
    sw = f"self.OA_BUNDLE = {json.dumps(sw_config, sort_keys=True)};\n" + sw_template
    stage.put("index.html", index.encode())
    stage.put("sw.js", sw.encode())

    manifest = Manifest(
        build_id=build_id,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)),
        pyodide_version=PYODIDE_VERSION,
        entry=Entry(html="/index.html", boot=urls["boot.js"], style_hashes=[style_hash], icon=urls["icon.svg"],
                    runtime=runtime_url, lock=lock_url, packages=packages, deferred_packages=deferred,
                    lazy_packages=lazy_names, python_entry=PYTHON_ENTRY),
        compatibility=Compatibility(
            protocol_version=PROTOCOL_VERSION,
            min_client_build_id=options.min_client_build_id,
            max_client_build_id=build_id,
            min_schema_version=SCHEMA_RANGE[0],
            max_schema_version=SCHEMA_RANGE[1],
        ),
        service_worker=ServiceWorker(script="/sw.js", cache=cache_name, pinned=pinned, lazy=lazy_urls),
        wheels=wheels,
        assets=sorted(stage.assets, key=lambda a: a.path),
    )
    data = encode_manifest(manifest)
    (staging / "manifest.json").write_bytes(data)
    os.chmod(staging / "manifest.json", 0o644)
    stage.compressor.siblings(staging / "manifest.json")
    decode_manifest(data)  # the manifest we wrote must read back
    timed("manifest", t)
    return manifest
