"""OpenAgents contracts: generated protobuf modules plus pure-Python helpers.

Layout (ADR 0400): `openagents_proto/<domain>/v1/*_pb2.py[i]` are generated from
`proto/openagents/<domain>/v1/*.proto` (never edit them); `openagents_proto/<domain>/` holds the
hand-written msgspec domain types (`domain.py`) and wire <-> domain conversion (`convert.py`);
`canonical.py` is the canonical-JSON / payload-hash helper. Everything here is pure Python with
only `protobuf` and `msgspec` as dependencies, so the browser shell (Pyodide) imports it too.
"""

from openagents_proto.canonical import canonical_json, payload_hash
from openagents_proto.errors import ContractError

__all__ = ["ContractError", "canonical_json", "payload_hash"]
