"""Canonical JSON and the `sha256:` payload hash used by Khala updates.

Canonical form (anchor: khala.payload_hash.v1 vectors): object keys sorted recursively, no
whitespace (``,`` and ``:`` separators), UTF-8 without ASCII escaping, and only JSON values:
``dict`` with ``str`` keys, ``list``/``tuple``, ``str``, ``int``, finite ``float``, ``bool``, ``None``.
An integral float is written as an integer (``1.0`` -> ``1``), as JavaScript's JSON.stringify does
and as a value that crossed a ``google.protobuf.Struct`` (where every number is a double) needs.
Standard library only, so it runs unchanged in the browser (Pyodide).
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from openagents_proto.errors import ContractError

HASH_PREFIX = "sha256:"
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":"), check_circular=True
)


_MAX_SAFE_INTEGER = 2**53  # integers a double (and JavaScript) holds exactly


def _normalize(value: Any, path: str) -> Any:
    """Reject what json would silently coerce (non-str keys, bytes, NaN...); integral floats -> int."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ContractError(path or "payload", "malformed", "NaN and infinity are not JSON")
        return int(value) if value.is_integer() and abs(value) <= _MAX_SAFE_INTEGER else value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ContractError(path or "payload", "malformed", f"object key {key!r} is not a string")
            out[key] = _normalize(item, f"{path}.{key}" if path else key)
        return out
    if isinstance(value, (list, tuple)):
        return [_normalize(item, f"{path}[{index}]") for index, item in enumerate(value)]
    raise ContractError(path or "payload", "malformed", f"{type(value).__name__} is not a JSON value")


def normalize(value: Any) -> Any:
    """A checked copy of a JSON value with integral floats as ints (what canonical_json encodes)."""
    return _normalize(value, "")


def canonical_json(value: Any) -> bytes:
    """Canonical JSON bytes of a JSON-compatible value; raises ContractError naming the bad field."""
    return _ENCODER.encode(_normalize(value, "")).encode("utf-8")


def hash_bytes(data: bytes) -> str:
    """``"sha256:" + hex`` of already-canonical bytes."""
    return HASH_PREFIX + hashlib.sha256(data).hexdigest()


def payload_hash(value: Any) -> str:
    """``"sha256:" + hex`` of the canonical JSON of `value`."""
    return hash_bytes(canonical_json(value))


def parse_json(data: bytes, field: str = "payload") -> Any:
    """Parse UTF-8 JSON bytes; a ContractError (reason ``invalid_json``) says where it broke."""
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ContractError(field, "invalid_json", f"not UTF-8 at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise ContractError(
            field, "invalid_json", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def is_canonical(data: bytes) -> bool:
    """Whether `data` is exactly the canonical encoding of the JSON it holds."""
    try:
        return canonical_json(parse_json(data)) == data
    except ContractError:
        return False
