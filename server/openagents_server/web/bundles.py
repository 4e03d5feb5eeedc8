"""The bundles on this node's disk (``dist/bundles/<build_id>/``), read from their manifests.

Asset lookups go through an index built from the manifests, so only files a manifest lists can be
served: ``..``, absolute paths and unknown names simply are not in it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import msgspec
import structlog
from openagents_proto.bundle_manifest import Manifest, decode_manifest

from openagents_server.web.headers import shell_headers

_log = structlog.get_logger("openagents.web.bundles")
#: Lookups rescan at most this often (new bundles appear, deleted ones go, without a restart).
RESCAN_INTERVAL_S = 1.0
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".wasm": "application/wasm",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class Variant:
    """One stored representation of a file: identity, br or gzip."""

    path: Path
    size: int
    encoding: str | None
    etag: str


@dataclass(frozen=True)
class StoredFile:
    content_type: str
    variants: tuple[Variant, ...]  # identity first

    def select(self, accepted: frozenset[str]) -> Variant:
        """Smallest variant the client accepts (identity always qualifies)."""
        best = self.variants[0]
        for variant in self.variants[1:]:
            if variant.encoding in accepted and variant.size < best.size:
                best = variant
        return best


def content_type(name: str) -> str:
    suffix = name[name.rfind("."):] if "." in name else ""
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


def _stored(root: Path, rel: str, sha256: str, size: int, br: int, gz: int) -> StoredFile:
    tag = sha256[:32]
    path = root / rel
    return StoredFile(
        content_type=content_type(rel),
        variants=(
            Variant(path, size, None, f'"{tag}"'),
            Variant(path.with_name(path.name + ".br"), br, "br", f'"{tag}-br"'),
            Variant(path.with_name(path.name + ".gz"), gz, "gzip", f'"{tag}-gz"'),
        ),
    )


@dataclass(frozen=True)
class LocalBundle:
    build_id: str
    root: Path
    manifest: Manifest
    manifest_bytes: bytes
    files: dict[str, StoredFile]  # "index.html", "sw.js", "manifest.json", "assets/…"
    shell_headers: list[tuple[bytes, bytes]]  # index.html's, with the CSP for its inline styles

    @property
    def manifest_dict(self) -> dict[str, object]:
        return msgspec.to_builtins(self.manifest)


class BundleDamaged(ValueError):
    """A bundle's files do not match its manifest: a copy still in progress, or a file edited after
    the build. Serving it would send the manifest's Content-Length and ETag with other bytes: a
    truncated page that revalidates as current, or a response that never ends."""


#: Files up to this size are checked against the manifest's sha256 when a bundle is loaded; larger
#: ones (the runtime) by size, which catches an unfinished copy without reading tens of MB.
HASH_CHECK_LIMIT = 256 * 1024


def verify_files(manifest: Manifest, files: dict[str, StoredFile]) -> None:
    """Raise BundleDamaged unless every listed file and its br/gz siblings are on disk as built."""
    for asset in manifest.assets:
        for variant in files[asset.path].variants:
            try:
                size = variant.path.stat().st_size
            except FileNotFoundError:
                raise BundleDamaged(f"{variant.path.name} is missing") from None
            if size != variant.size:
                raise BundleDamaged(f"{variant.path.name} is {size} bytes, the manifest says {variant.size}")
        if asset.size <= HASH_CHECK_LIMIT:
            digest = hashlib.sha256(files[asset.path].variants[0].path.read_bytes()).hexdigest()
            if digest != asset.sha256:
                raise BundleDamaged(f"{asset.path} differs from the manifest's sha256")


def load_bundle(root: Path) -> LocalBundle:
    data = (root / "manifest.json").read_bytes()
    manifest = decode_manifest(data)
    if manifest.build_id != root.name:
        raise ValueError(f"{root}: manifest says build {manifest.build_id}")
    files = {a.path: _stored(root, a.path, a.sha256, a.size, a.br, a.gz) for a in manifest.assets}
    verify_files(manifest, files)
    sha = hashlib.sha256(data).hexdigest()
    br = root / "manifest.json.br"
    gz = root / "manifest.json.gz"
    files["manifest.json"] = _stored(root, "manifest.json", sha, len(data),
                                     br.stat().st_size if br.exists() else 1 << 62,
                                     gz.stat().st_size if gz.exists() else 1 << 62)
    return LocalBundle(manifest.build_id, root, manifest, data, files, shell_headers(manifest.entry.style_hashes))


def _asset_index(bundles: dict[str, LocalBundle]) -> dict[str, StoredFile]:
    """``/assets/<rel>`` → the file, over all bundles (content-hashed names: the same name is the same file).
    A name several bundles share comes from the newest: old bundles are the ones operators delete."""
    assets: dict[str, StoredFile] = {}
    for _, bundle in sorted(bundles.items(), reverse=True):
        for rel, stored in bundle.files.items():
            if rel.startswith("assets/"):
                assets.setdefault(rel[len("assets/"):], stored)
    return assets


class BundleStore:
    """Bundles found under ``root``; rescanned lazily, at most once a second, when looked up.
    A bundle that cannot be loaded is left out and tried again at the next rescan (a copy in progress
    becomes servable once it is complete); ``problems`` says why, for the operator."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._bundles: dict[str, LocalBundle] = {}
        self.problems: dict[str, str] = {}
        self._assets: dict[str, StoredFile] = {}
        self._scanned_at = 0.0
        self._lock = threading.Lock()
        self.rescan()

    def rescan(self) -> None:
        with self._lock:
            bundles = dict(self._bundles)
            problems: dict[str, str] = {}
            found = set()
            if self.root.is_dir():
                for path in sorted(self.root.iterdir()):
                    if path.name.startswith(".") or not (path / "manifest.json").is_file():
                        continue
                    found.add(path.name)
                    if path.name in bundles:
                        continue
                    try:
                        bundles[path.name] = load_bundle(path)
                    except (OSError, ValueError, msgspec.DecodeError) as exc:
                        problems[path.name] = str(exc)
                        if self.problems.get(path.name) != str(exc):  # once per problem, not per rescan
                            _log.warning("bundle_unreadable", path=str(path), error=str(exc))
            bundles = {k: v for k, v in bundles.items() if k in found}
            self._bundles, self._assets, self.problems = bundles, _asset_index(bundles), problems
            self._scanned_at = time.monotonic()

    def drop_containing(self, path: Path) -> None:
        """Forget the bundle holding ``path`` (a file changed under it): the next scan, due at once,
        checks it again and serves it only when it matches its manifest."""
        with self._lock:
            self._bundles = {k: v for k, v in self._bundles.items() if not path.is_relative_to(v.root)}
            self._assets = _asset_index(self._bundles)
            self._scanned_at = 0.0

    def _maybe_rescan(self) -> None:
        if time.monotonic() - self._scanned_at >= RESCAN_INTERVAL_S:
            self.rescan()

    @property
    def scanned_at(self) -> float:
        """When the directory was last scanned (changes whenever the set of bundles may have)."""
        return self._scanned_at

    def bundles(self) -> dict[str, LocalBundle]:
        self._maybe_rescan()
        return dict(self._bundles)

    # Every lookup rescans at most once a second, hit or miss (issue 18): a bundle deleted from disk
    # stops being served, and its build id stops being known, within a second, not at the next miss.
    def get(self, build_id: str) -> LocalBundle | None:
        self._maybe_rescan()
        return self._bundles.get(build_id)

    def newest(self) -> LocalBundle | None:
        self._maybe_rescan()
        return self._bundles[max(self._bundles)] if self._bundles else None

    def asset(self, rel: str) -> StoredFile | None:
        """``rel`` is the path after ``/assets/``; only names listed in a manifest resolve."""
        self._maybe_rescan()
        return self._assets.get(rel)

    def resolve(self, prefix: str) -> list[str]:
        """Build ids equal to or starting with ``prefix`` (CLI convenience)."""
        self.rescan()
        if prefix in self._bundles:
            return [prefix]
        return sorted(b for b in self._bundles if b.startswith(prefix))
