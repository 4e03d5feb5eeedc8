"""/openapi.json's request side states what the server enforces (issue 18; ADR 1101).

Litestar's generator drops constraints that msgspec enforces: nested ``Meta`` on list items (a
``list[Scope]`` item's ``min_length``), ``forbid_unknown_fields`` (``additionalProperties: false``),
and an optional body (``data: X | None``) is documented as required. So every JSON/form request body
of a msgspec ``Struct`` is re-described from ``msgspec.json.schema_components`` (components named
``in.<Struct>``), which is exactly what the decoder checks.

On top, the one rule that sits in front of every route (``http_guard``): no NUL anywhere in a path,
a query or a body (PostgreSQL text cannot hold it). Every string of a request (body strings, object
keys, query and path parameters) gets a NUL-free ``pattern``; an existing pattern whose negated
classes would admit NUL gets ``\\x00`` added to them; free-form JSON (``Any``) becomes ``in.JsonValue``,
any JSON value whose strings and keys are NUL-free.
"""

from __future__ import annotations

import copy
import re
import types
import typing
from typing import Any

import msgspec
from litestar import Litestar
from litestar.routes import HTTPRoute

#: A string without NUL (ECMA-262 and Python ``re`` both read ``\x00``).
NUL_FREE = r"^[^\x00]*$"
#: What msgspec decodes as a datetime (RFC 3339; a space for ``T`` and lower-case letters too).
RFC3339 = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
           r"([Zz]|[+-][0-9]{2}:[0-9]{2})$")
#: Python's ``\s`` in a str pattern (str.isspace), spelled out: ECMA-262's ``\s`` differs (no \x1c-\x1f, \x85).
PY_SPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
PREFIX = "in."
JSON_VALUE = f"{PREFIX}JsonValue"
_REF = "#/components/schemas/"
_UNCONSTRAINED_STRING_PARTS = re.compile(r"(?<!\\)\.|\\[SDW]")


def at_least_one(*names: str, non_null: bool = False) -> dict[str, Any]:
    """Schema fragment: the body names at least one of ``names`` (non-null ones if ``non_null``)."""
    return {"anyOf": [_present(name, non_null) for name in names]}


def exactly_one(*names: str) -> dict[str, Any]:
    """Schema fragment: the body names exactly one of ``names``."""
    return {"oneOf": [_present(name, False) for name in names]}


def _present(name: str, non_null: bool) -> dict[str, Any]:
    if non_null:
        return {"required": [name], "properties": {name: {"not": {"type": "null"}}}}
    return {"required": [name]}


def finalize(app: Litestar, document: dict[str, Any]) -> dict[str, Any]:
    """A copy of Litestar's document with exact, NUL-free request schemas."""
    doc = copy.deepcopy(document)
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    bodies = _request_bodies(app)
    structs = sorted({struct for struct, _ in bodies.values()}, key=lambda s: (s.__module__, s.__qualname__))
    if structs:
        refs, schemas = msgspec.json.schema_components(structs, ref_template=_REF + PREFIX + "{name}")
        by_struct = dict(zip(structs, refs, strict=True))
        extras = {struct.__name__: getattr(struct, "__openapi_extra__", None) for struct in _all_structs(structs)}
        for name, schema in schemas.items():
            components[PREFIX + name] = {**_nul_free(schema), **(extras.get(name) or {})}
        for (path, method), (struct, optional) in bodies.items():
            operation = doc.get("paths", {}).get(path, {}).get(method)
            if not operation or "requestBody" not in operation:
                continue
            body = operation["requestBody"]
            for media in body.get("content", {}).values():
                # An optional body may be left out or sent as JSON ``null``.
                media["schema"] = {"anyOf": [by_struct[struct], {"type": "null"}]} if optional else dict(by_struct[struct])
            if optional:
                body["required"] = False
    components[JSON_VALUE] = _json_value()
    _restore_zero_bounds(app, doc)
    for item in doc.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") in ("query", "path") and "schema" in parameter:
                    parameter["schema"] = _nul_free(parameter["schema"])
    return doc


def _request_bodies(app: Litestar) -> dict[tuple[str, str], tuple[type[msgspec.Struct], bool]]:
    """(OpenAPI path, method) → (the body's Struct, whether the body may be left out)."""
    found: dict[tuple[str, str], tuple[type[msgspec.Struct], bool]] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path = re.sub(r"\{(\w+):[^}]+\}", r"{\1}", route.path)
        for handler in route.route_handlers:
            if not handler.include_in_schema:
                continue
            parameter = handler.parsed_fn_signature.parameters.get("data")
            if parameter is None:
                continue
            struct, optional = _struct_of(parameter.annotation)
            if struct is None:
                continue
            for method in handler.http_methods:
                found[(path, method.lower())] = (struct, optional)
    return found


_BOUNDS = (("ge", "minimum"), ("le", "maximum"), ("gt", "exclusiveMinimum"), ("lt", "exclusiveMaximum"))


def _restore_zero_bounds(app: Litestar, doc: dict[str, Any]) -> None:
    """Litestar drops a parameter bound of ``0`` (``ge=0`` reads as false); the validator keeps it."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path = re.sub(r"\{(\w+):[^}]+\}", r"{\1}", route.path)
        for handler in route.route_handlers:
            bounds: dict[str, dict[str, float]] = {}
            for name, parameter in handler.parsed_fn_signature.parameters.items():
                kwarg = parameter.kwarg_definition
                found = {key: getattr(kwarg, attr) for attr, key in _BOUNDS if getattr(kwarg, attr, None) == 0}
                if found:
                    bounds[getattr(kwarg, "query", None) or name] = found
            if not bounds:
                continue
            for method in handler.http_methods:
                operation = doc.get("paths", {}).get(path, {}).get(method.lower()) or {}
                for parameter in operation.get("parameters", []):
                    if parameter.get("in") in ("query", "path") and parameter["name"] in bounds:
                        parameter["schema"].update(bounds[parameter["name"]])


def _all_structs(roots: list[type[msgspec.Struct]]) -> list[type[msgspec.Struct]]:
    """The structs reachable from ``roots`` (their fields' types, nested), for their ``__openapi_extra__``."""
    seen: list[type[msgspec.Struct]] = []
    pending: list[Any] = list(roots)
    while pending:
        kind = pending.pop()
        if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
            if kind in seen:
                continue
            seen.append(kind)
            pending.extend(typing.get_type_hints(kind, include_extras=True).values())
        else:
            pending.extend(typing.get_args(kind))
    return seen


def _struct_of(annotation: Any) -> tuple[type[msgspec.Struct] | None, bool]:
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return annotation, False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1 and isinstance(members[0], type) and issubclass(members[0], msgspec.Struct):
            return members[0], True
    return None, False


def _nul_free(schema: Any) -> Any:
    """The schema with every string NUL-free and every free-form value a NUL-free JSON value."""
    if isinstance(schema, list):
        return [_nul_free(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if schema == {} or (set(schema) <= {"default", "description", "title"} and "$ref" not in schema):
        return {**schema, "$ref": _REF + JSON_VALUE}
    out = {key: _nul_free(value) if key in _SUBSCHEMA_KEYS else value for key, value in schema.items()}
    for key in ("properties", "patternProperties", "$defs", "definitions"):
        if isinstance(schema.get(key), dict):
            out[key] = {name: _nul_free(value) for name, value in schema[key].items()}
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "string" in kinds:
        if "pattern" in schema:
            out["pattern"] = _without_nul(schema["pattern"])
        elif schema.get("format") == "date-time":
            out["pattern"] = RFC3339
        else:
            out["pattern"] = NUL_FREE
    if "object" in kinds:
        out.setdefault("propertyNames", {"pattern": NUL_FREE})
        if schema.get("additionalProperties") in (None, True, {}):
            out["additionalProperties"] = {"$ref": _REF + JSON_VALUE}
    if "array" in kinds and schema.get("items") in (None, True, {}):
        out["items"] = {"$ref": _REF + JSON_VALUE}
    return out


_SUBSCHEMA_KEYS = frozenset({"items", "additionalProperties", "anyOf", "oneOf", "allOf", "not", "prefixItems",
                             "propertyNames", "contains"})


def _without_nul(pattern: str) -> str:
    """``pattern`` narrowed so it cannot match a NUL (negated classes, ``.``, ``\\S``… exclude it)."""
    narrowed = re.sub(r"\[\^((?:\\.|[^\]])*)\]", lambda m: "[^\\x00" + m[1].replace("\\s", PY_SPACE) + "]", pattern)
    if _UNCONSTRAINED_STRING_PARTS.search(_outside_classes(narrowed)):
        # A bare ``.``/``\S`` could still match NUL: require the whole value NUL-free up front.
        narrowed = r"^(?=[^\x00]*$)" + narrowed.removeprefix("^")
    return narrowed


def _outside_classes(pattern: str) -> str:
    return re.sub(r"\[(?:\\.|[^\]])*\]", "", pattern)


def _json_value() -> dict[str, Any]:
    ref = {"$ref": _REF + JSON_VALUE}
    return {
        "description": "any JSON value; strings and keys contain no NUL",
        "anyOf": [
            {"type": "null"}, {"type": "boolean"}, {"type": "number"},
            {"type": "string", "pattern": NUL_FREE},
            {"type": "array", "items": ref},
            {"type": "object", "propertyNames": {"pattern": NUL_FREE}, "additionalProperties": ref},
        ],
    }
