"""docs/PROTOCOL.md's close-code and topic-class tables are the contract's
(``openagents_proto.sync.codes``, ``openagents_proto.sync.limits``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from openagents_proto.sync import codes

REPO = Path(__file__).resolve().parents[2]


def _tables():  # scripts/ is not a package
    spec = importlib.util.spec_from_file_location("protocol_tables", REPO / "scripts" / "protocol_tables.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_protocol_md_close_table_is_generated_from_the_contract() -> None:
    tables = _tables()
    document = tables.DOC.read_text()
    assert tables.current(document) == tables.render(), "run: .venv/bin/python scripts/protocol_tables.py"


def test_protocol_md_topic_class_table_is_generated_from_the_contract() -> None:
    tables = _tables()
    document = tables.DOC.read_text()
    assert tables.current(document, tables.CLASSES_BEGIN, tables.CLASSES_END) == tables.render_classes(), (
        "run: .venv/bin/python scripts/protocol_tables.py")
    assert tables.main(["--check"]) == 0


def test_every_close_code_and_error_code_is_in_the_table() -> None:
    rows = _tables().render()
    for close in codes.CloseCode:
        if close is not codes.CloseCode.NORMAL:
            assert f"| {int(close)} |" in rows, close
    for code in codes.SEMANTICS:
        assert f"`{code.value}`" in rows, code
    assert "| 4002 | `hello_timeout` |" in rows and "| 4011 | `idle_timeout` |" in rows


def test_each_error_code_has_one_meaning_and_semantics_follow_the_table() -> None:
    for item in codes.DISCONNECTS:
        if item.error is not None:
            meaning = codes.SEMANTICS[item.error]
            assert (meaning.close_code, meaning.retryable, meaning.recovery) == (
                item.close_code, item.reconnect, item.recovery)
    assert set(codes.SEMANTICS) == set(codes.SyncErrorCode)
