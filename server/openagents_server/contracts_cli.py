"""``openagents proto``: look inside contract bytes from the command line (debugging, support).

    openagents proto decode CAgSB3J1bjox...          # a Khala frame, base64 (or --hex, or @file)
    openagents proto hash '{"b":2,"a":1}'            # canonical JSON and its sha256: payload hash
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
from pathlib import Path
from typing import Any

import msgspec
import typer
from openagents_proto.canonical import canonical_json, parse_json, payload_hash
from openagents_proto.errors import ContractError
from openagents_proto.sync import convert
from openagents_proto.sync import domain as d
from rich.console import Console

contracts_cli = typer.Typer(no_args_is_help=True, help="Inspect contract payloads (Khala frames, payload hashes)")
_err = Console(stderr=True)


def _read(value: str, as_hex: bool) -> bytes:
    """`value` as bytes: base64 (default) or hex text; `@path` and `-` (stdin) hold the raw frame."""
    if value == "-":
        return sys.stdin.buffer.read()
    if value.startswith("@"):
        return Path(value[1:]).read_bytes()
    try:
        return bytes.fromhex(value) if as_hex else base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error) as exc:
        _err.print(f"[red]not {'hex' if as_hex else 'base64'}:[/] {exc}")
        raise typer.Exit(2) from None


def frame_as_json(frame: d.Frame) -> dict[str, Any]:
    """A readable JSON view of a frame; update payloads are shown decoded."""
    body: dict[str, Any] = {"kind": frame.kind.value, "topic": frame.topic, "seq": frame.seq,
                            "schema_version": frame.schema_version}
    message = msgspec.to_builtins(frame.message)
    if isinstance(frame.message, d.UpdateBatch):
        for update, view in zip(frame.message.updates, message["updates"], strict=True):
            view["payload"] = update.body()
    if isinstance(frame.message, d.Hello):
        message["sync_token"] = "<redacted>"
    body["message"] = message
    return body


@contracts_cli.command()
def decode(
    frame: str = typer.Argument(..., help="the frame: base64, hex with --hex, or raw bytes from @file or - (stdin)"),
    as_hex: bool = typer.Option(False, "--hex", help="the argument is hex"),
    client: bool = typer.Option(False, "--client", help="apply the 64 KiB client-frame limit"),
) -> None:
    """Validate one Khala frame and print it as JSON; a contract violation names the field (exit 1)."""
    data = _read(frame, as_hex)
    try:
        decoded = convert.decode_frame(data, max_bytes=convert.MAX_INBOUND_FRAME_BYTES if client else None)
    except ContractError as exc:
        _err.print(f"[red]invalid frame[/] {exc.field}: {exc.reason}: {exc.detail}")
        raise typer.Exit(1) from None
    sys.stdout.write(json.dumps(frame_as_json(decoded), indent=2, ensure_ascii=False) + "\n")


@contracts_cli.command("hash")
def hash_command(
    payload: str = typer.Argument(..., help="JSON text, @file, or - for stdin"),
) -> None:
    """Print the canonical JSON of a payload and its `sha256:` hash (as Khala computes them)."""
    if payload == "-":
        raw = sys.stdin.buffer.read()
    elif payload.startswith("@"):
        raw = Path(payload[1:]).read_bytes()
    else:
        raw = payload.encode("utf-8")
    try:
        value = parse_json(raw)
        canonical = canonical_json(value)
    except ContractError as exc:
        _err.print(f"[red]invalid payload[/] {exc.field}: {exc.detail}")
        raise typer.Exit(1) from None
    sys.stdout.write(canonical.decode("utf-8") + "\n" + payload_hash(value) + "\n")
