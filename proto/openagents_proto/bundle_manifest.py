"""The bundle manifest (``manifest.json``): written by the build pipeline, read by the server that
hosts bundles (``server/…/web``) and by the shell that boots from them; the contract between them."""

from __future__ import annotations

import msgspec

from openagents_proto.sync.compat import CompatibilityWindow

MANIFEST_VERSION = "openagents.bundle.v1"


class Asset(msgspec.Struct, frozen=True, kw_only=True):
    """One content-addressed file under ``assets/``; ``br``/``gz`` are the siblings' sizes."""

    path: str  # relative to the bundle root, e.g. "assets/boot-3f2a….js"
    sha256: str
    size: int
    br: int
    gz: int


#: The client window this bundle's server side accepts: the contract's type (one definition).
Compatibility = CompatibilityWindow


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """What ``index.html`` loads: URLs are absolute paths on the serving origin."""

    html: str
    boot: str
    style_hashes: list[str]  # CSP hashes of the inline <style> blocks of index.html
    icon: str
    runtime: str  # directory URL given to loadPyodide as indexURL
    lock: str  # pyodide-lock.json URL (lockFileURL)
    packages: list[str]  # loaded by loadPyodide before the first frame
    deferred_packages: list[str]  # in the lock too, loaded right after the first frame
    lazy_packages: list[str] = []  # in the lock too, loaded only when a page asks (ADR 0308)
    python_entry: str


class ServiceWorker(msgspec.Struct, frozen=True, kw_only=True):
    script: str
    cache: str
    pinned: list[str]  # precached at install
    lazy: list[str] = []  # page-level wheels: cached on first use, carried over from older builds' caches


class Wheel(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    version: str
    url: str
    sha256: str


class Manifest(msgspec.Struct, frozen=True, kw_only=True):
    manifest_version: str = MANIFEST_VERSION
    build_id: str
    built_at: str
    pyodide_version: str
    entry: Entry
    compatibility: Compatibility
    service_worker: ServiceWorker
    wheels: list[Wheel]
    assets: list[Asset]


def encode_manifest(manifest: Manifest) -> bytes:
    """Stable bytes: fixed field order, sorted assets, two-space indent, trailing newline."""
    return msgspec.json.format(msgspec.json.encode(manifest), indent=2) + b"\n"


def decode_manifest(data: bytes) -> Manifest:
    return msgspec.json.decode(data, type=Manifest)
