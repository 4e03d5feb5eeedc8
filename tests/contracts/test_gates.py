"""The contract gates `make test` enforces: buf lint and format, buf breaking against the committed baseline,
generated code identical to a fresh generation, and both protobuf backends. Each gate is also
shown to fail on a real violation, so a green run means something."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
PROTO = REPO / "proto"
BUF = PROTO / "node_modules" / ".bin" / "buf"
BASELINE = PROTO / "baseline" / "v1.binpb"


def _codegen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("proto_codegen", REPO / "scripts" / "proto_codegen.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


codegen = _codegen()


def buf(*args: str, cwd: Path = PROTO) -> subprocess.CompletedProcess[str]:
    if not BUF.exists():
        pytest.fail("buf is not installed: run `make proto-tools` (npm ci --prefix proto)")
    return subprocess.run([str(BUF), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def module_copy(tmp_path: Path) -> Path:
    """A copy of the buf module (sources + buf.yaml) to break on purpose."""
    root = tmp_path / "proto"
    shutil.copytree(PROTO / "openagents", root / "openagents")
    shutil.copy(PROTO / "buf.yaml", root / "buf.yaml")
    return root


def test_buf_lint_passes() -> None:
    result = buf("lint")
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_lint_fails_on_a_style_violation(tmp_path: Path) -> None:
    root = module_copy(tmp_path)
    (root / "openagents" / "sync" / "v1" / "bad.proto").write_text(
        'syntax = "proto3";\npackage openagents.sync.v1;\nenum color { RED = 0; }\n')
    result = buf("lint", cwd=root)
    assert result.returncode != 0
    assert "bad.proto" in result.stdout


def test_protos_are_buf_formatted() -> None:
    result = buf("format", "--diff", "--exit-code")
    assert result.returncode == 0, "run `make proto` (buf format -w):\n" + result.stdout


def test_buf_format_gate_fails_on_unformatted_source(tmp_path: Path) -> None:
    root = module_copy(tmp_path)
    khala = root / "openagents" / "sync" / "v1" / "khala.proto"
    khala.write_text(khala.read_text().replace("  string topic = 1;", "string   topic=1;", 1))
    result = buf("format", "--diff", "--exit-code", cwd=root)
    assert result.returncode != 0
    assert "khala.proto" in result.stdout


def test_no_breaking_change_against_the_released_baseline() -> None:
    assert BASELINE.exists(), "proto/baseline/v1.binpb is missing: `make proto-baseline` at release"
    result = buf("breaking", "--against", str(BASELINE))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("uint64 seq = 2;", "uint64 seq = 20;"),  # renumbered field
        ("bytes payload_bytes = 4;", "string payload_bytes = 4;"),  # changed type
        ("  KHALA_FRAME_KIND_ERROR = 8;\n", ""),  # removed enum value
    ],
)
def test_buf_breaking_fails_on_an_incompatible_change(tmp_path: Path, old: str, new: str) -> None:
    root = module_copy(tmp_path)
    khala = root / "openagents" / "sync" / "v1" / "khala.proto"
    text = khala.read_text()
    assert old in text
    khala.write_text(text.replace(old, new))
    result = buf("breaking", "--against", str(BASELINE), cwd=root)
    assert result.returncode != 0
    assert "khala.proto" in result.stdout


def test_adding_a_field_is_not_breaking(tmp_path: Path) -> None:
    root = module_copy(tmp_path)
    khala = root / "openagents" / "sync" / "v1" / "khala.proto"
    khala.write_text(khala.read_text().replace(
        "  uint32 schema_version = 5;\n}", "  uint32 schema_version = 5;\n  string trace_id = 6;\n}", 1))
    result = buf("breaking", "--against", str(BASELINE), cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr


def test_committed_generated_code_matches_a_fresh_generation() -> None:
    diffs = codegen.drift(PROTO / "openagents_proto")
    assert diffs == [], "generated code drifted; run `make proto`:\n" + "\n".join(diffs)[:4000]


def test_drift_gate_reports_edited_missing_and_stale_files(tmp_path: Path) -> None:
    committed = tmp_path / "openagents_proto"
    shutil.copytree(PROTO / "openagents_proto", committed, ignore=shutil.ignore_patterns("__pycache__"))
    edited = committed / "sync" / "v1" / "khala_pb2.py"
    edited.write_text(edited.read_text() + "# hand edit\n")
    (committed / "sync" / "v1" / "errors_pb2.pyi").unlink()
    (committed / "sync" / "v1" / "orphan_pb2.py").write_text("")
    report = "\n".join(codegen.drift(committed))
    assert "+++ fresh/sync/v1/khala_pb2.py" in report and "-# hand edit" in report
    assert "missing from the committed code: sync/v1/errors_pb2.pyi" in report
    assert "stale generated file (no .proto produces it): sync/v1/orphan_pb2.py" in report


def test_generation_is_byte_for_byte_deterministic(tmp_path: Path) -> None:
    codegen.generate(tmp_path / "a")
    codegen.generate(tmp_path / "b")
    first, second = codegen.generated_files(tmp_path / "a"), codegen.generated_files(tmp_path / "b")
    assert first and first == second


def test_every_proto_source_has_a_committed_module() -> None:
    for source in codegen.proto_sources():
        module = PROTO / "openagents_proto" / source.relative_to("openagents").with_suffix("")
        assert module.with_name(module.name + "_pb2.py").exists(), source


_BACKEND_PROBE = """
import importlib, pkgutil, sys
from google.protobuf.internal import api_implementation
import openagents_proto
from openagents_proto.sync import convert, domain
names = [m.name for m in pkgutil.walk_packages(openagents_proto.__path__, "openagents_proto.")]
for name in names:
    importlib.import_module(name)
batch = domain.UpdateBatch(updates=(domain.Update.build(topic="run:1:events", doc_key="k", doc_version=1,
                                                        body={"a": 1}, watermark=1),), replay_complete=True)
frame = domain.Frame.batch("run:1:events", batch)
assert convert.decode_frame(convert.encode_frame(frame)) == frame
print(api_implementation.Type(), len([n for n in names if n.endswith("_pb2")]))
"""


@pytest.mark.parametrize("backend", ["upb", "python"])
def test_contracts_import_and_round_trip_on_both_protobuf_backends(backend: str) -> None:
    env = {**os.environ, "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": backend}
    result = subprocess.run([sys.executable, "-c", _BACKEND_PROBE], env=env, capture_output=True, text=True,
                            timeout=120, cwd=REPO, check=False)
    assert result.returncode == 0, result.stderr
    implementation, modules = result.stdout.split()
    assert implementation == backend
    assert int(modules) == len(codegen.proto_sources())
