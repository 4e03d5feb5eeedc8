"""Content hashes, hashed names and precompressed siblings (cached by content, so the 9.6 MB wasm
is brotli-compressed once per machine, not once per build)."""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import brotli

#: Length of the hex content hash in file names: 12 hex = 48 bits, ample for a few thousand files.
NAME_HASH_LEN = 12
BROTLI_QUALITY = 11
GZIP_LEVEL = 9


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hashed_name(name: str, data: bytes) -> str:
    """``boot.js`` → ``boot-<hash>.js`` (the hash goes before the last suffix)."""
    stem, dot, ext = name.rpartition(".")
    digest = sha256_hex(data)[:NAME_HASH_LEN]
    return f"{stem}-{digest}.{ext}" if dot else f"{name}-{digest}"


class Compressor:
    """Writes ``X.br`` and ``X.gz`` next to ``X``; results are cached under ``cache_dir`` by sha256."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        cache_dir.mkdir(parents=True, exist_ok=True)

    def _cached(self, data: bytes, kind: str) -> bytes:
        key = self.cache_dir / f"{sha256_hex(data)}.{kind}"
        if key.exists():
            return key.read_bytes()
        if kind == "br":
            out = brotli.compress(data, quality=BROTLI_QUALITY)
        else:
            out = gzip.compress(data, GZIP_LEVEL, mtime=0)
        tmp = key.with_name(key.name + f".tmp{os.getpid()}")
        tmp.write_bytes(out)
        tmp.replace(key)
        return out

    def siblings(self, path: Path) -> tuple[int, int]:
        """Write the .br and .gz siblings of ``path``; return their sizes."""
        data = path.read_bytes()
        br = self._cached(data, "br")
        gz = self._cached(data, "gz")
        path.with_name(path.name + ".br").write_bytes(br)
        path.with_name(path.name + ".gz").write_bytes(gz)
        return len(br), len(gz)
