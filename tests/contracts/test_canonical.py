"""Canonical JSON and payload hashes: the anchor vectors, and what must be refused."""

from __future__ import annotations

import math

import pytest
from openagents_proto.canonical import canonical_json, hash_bytes, is_canonical, parse_json, payload_hash
from openagents_proto.errors import ContractError

from tests.contracts.conftest import load_fixture

VECTORS = load_fixture("khala_payload_hash_vectors.v1.json")["vectors"]


def test_fixture_holds_the_five_anchor_vectors() -> None:
    assert len(VECTORS) == 5


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_anchor_vector_canonical_json_and_hash(vector: dict) -> None:
    canonical = canonical_json(vector["payload"])
    assert canonical.decode("utf-8") == vector["canonical_json"]
    assert payload_hash(vector["payload"]) == vector["sha256"]
    assert hash_bytes(canonical) == vector["sha256"]
    assert is_canonical(canonical)


def test_key_order_does_not_change_the_hash() -> None:
    assert payload_hash({"b": {"y": 1, "x": [2, 1]}, "a": None}) == payload_hash({"a": None, "b": {"x": [2, 1], "y": 1}})


def test_non_ascii_is_written_as_utf8_not_escaped() -> None:
    assert canonical_json({"name": "Zoë ✓"}) == '{"name":"Zoë ✓"}'.encode()


def test_pretty_or_unsorted_json_is_not_canonical() -> None:
    assert not is_canonical(b'{"b":1,"a":2}')
    assert not is_canonical(b'{"a": 1}')
    assert not is_canonical(b"not json")


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"a": {"b": math.nan}}, "a.b"),
        ({"a": [1, math.inf]}, "a[1]"),
        ({"a": {1: "x"}}, "a"),
        ({"blob": b"bytes"}, "blob"),
        ({"when": {1, 2}}, "when"),
    ],
)
def test_values_json_cannot_represent_exactly_are_refused_with_their_path(value: object, field: str) -> None:
    with pytest.raises(ContractError) as caught:
        canonical_json(value)
    assert caught.value.field == field
    assert caught.value.reason == "malformed"


def test_parse_json_names_the_position_of_the_error() -> None:
    with pytest.raises(ContractError, match="line 1 column 6") as caught:
        parse_json(b'{"a":}', "payload")
    assert caught.value.reason == "invalid_json"
    with pytest.raises(ContractError, match="not UTF-8"):
        parse_json(b'"\xff"', "payload")
