"""`openagents proto decode|hash`: what an operator sees."""

from __future__ import annotations

import base64
import json

from openagents_proto.sync import convert
from openagents_proto.sync import domain as d
from openagents_server.cli import app
from typer.testing import CliRunner

from tests.contracts.conftest import load_fixture

runner = CliRunner()


def batch_b64() -> str:
    batch = d.UpdateBatch(updates=(d.Update.build(topic="run:1:events", doc_key="run:1", doc_version=3,
                                                  body={"status": "running"}, watermark=3),), replay_complete=True)
    return base64.b64encode(convert.encode_frame(d.Frame.batch("run:1:events", batch))).decode()


def test_decode_prints_the_frame_with_payloads_readable() -> None:
    result = runner.invoke(app, ["proto", "decode", batch_b64()])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert (shown["kind"], shown["topic"], shown["seq"]) == ("update_batch", "run:1:events", 3)
    assert shown["message"]["updates"][0]["payload"] == {"status": "running"}


def test_decode_hex_and_file_inputs(tmp_path) -> None:
    data = base64.b64decode(batch_b64())
    assert runner.invoke(app, ["proto", "decode", "--hex", data.hex()]).exit_code == 0
    (tmp_path / "frame.bin").write_bytes(data)
    assert runner.invoke(app, ["proto", "decode", f"@{tmp_path / 'frame.bin'}"]).exit_code == 0


def test_decode_names_the_broken_field_and_fails() -> None:
    hello = d.Frame(message=d.Hello(sync_token="secret-token", client_build_id="b", protocol_version="khala.ws.v1",
                                    schema_version=1))
    data = bytearray(convert.encode_frame(hello))
    shown = runner.invoke(app, ["proto", "decode", base64.b64encode(bytes(data)).decode()])
    assert shown.exit_code == 0 and "secret-token" not in shown.stdout
    broken = convert.frame_to_wire(hello)
    broken.schema_version = 9
    result = runner.invoke(app, ["proto", "decode", base64.b64encode(broken.SerializeToString()).decode()])
    assert result.exit_code == 1
    assert "schema_version: unsupported_version" in result.output


def test_decode_refuses_text_that_is_not_base64() -> None:
    result = runner.invoke(app, ["proto", "decode", "not base64!"])
    assert result.exit_code == 2
    assert "not base64" in result.output


def test_hash_matches_the_anchor_vectors() -> None:
    vector = load_fixture("khala_payload_hash_vectors.v1.json")["vectors"][1]
    result = runner.invoke(app, ["proto", "hash", json.dumps(vector["payload"])])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [vector["canonical_json"], vector["sha256"]]
    bad = runner.invoke(app, ["proto", "hash", '{"a":'])
    assert bad.exit_code == 1 and "invalid JSON" in bad.output
