"""Descriptor-driven wire <-> domain conversion for the control, runtime and codex contracts.

Domain types are msgspec Structs whose field names equal the proto field names. Enums become
lower-case strings without their prefix (``SESSION_STATUS_ACTIVE`` -> ``"active"``), Timestamps
become aware `datetime`s, Structs become dicts, maps dicts, repeated fields lists; an unset message
field is absent (so the domain default, usually None, applies). msgspec then validates types and
constraints (`Annotated[..., Meta(...)]`, `__post_init__`), and every failure becomes a
`ContractError` naming the field. The hot Khala path (`sync.convert`) is hand-written instead.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, TypeVar

import msgspec
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

from openagents_proto.canonical import normalize
from openagents_proto.errors import ContractError

T = TypeVar("T", bound=msgspec.Struct)
P = TypeVar("P", bound=Message)

_TIMESTAMP = "google.protobuf.Timestamp"
_STRUCT = "google.protobuf.Struct"
_UNSPECIFIED = "unspecified"


def enum_prefix(enum: EnumDescriptor) -> str:
    """``SessionStatus`` -> ``SESSION_STATUS_`` (buf's ENUM_VALUE_PREFIX rule)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum.name).upper() + "_"


def enum_name(enum: EnumDescriptor, number: int) -> str:
    """Domain spelling of a wire enum number; unknown numbers keep their number visible."""
    value = enum.values_by_number.get(number)
    if value is None:
        return f"<unknown {number}>"
    return value.name.removeprefix(enum_prefix(enum)).lower()


def enum_number(enum: EnumDescriptor, name: str, field: str) -> int:
    value = enum.values_by_name.get(enum_prefix(enum) + name.upper())
    if value is None:
        raise ContractError(field, "unknown_enum", f"{name!r} is not a {enum.name} value")
    return value.number


def _is_repeated(field: FieldDescriptor) -> bool:
    return field.is_repeated


def _is_map(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


# ------------------------------------------------------------------------------------ wire -> dict


def _value_out(field: FieldDescriptor, value: Any) -> Any:
    if field.enum_type is not None:
        return enum_name(field.enum_type, value)
    if field.message_type is not None:
        name = field.message_type.full_name
        if name == _TIMESTAMP:
            return value.ToDatetime(tzinfo=dt.UTC)
        if name == _STRUCT:  # numbers are doubles on the wire: give integers back as ints
            return normalize(json_format.MessageToDict(value))
        return to_builtins(value)
    return value


def to_builtins(message: Message) -> dict[str, Any]:
    """A protobuf message as plain Python values in domain spelling (see module docstring)."""
    out: dict[str, Any] = {}
    descriptor: Descriptor = message.DESCRIPTOR
    for field in descriptor.fields:
        value = getattr(message, field.name)
        if _is_map(field):
            value_field = field.message_type.fields_by_name["value"]
            out[field.name] = {k: _value_out(value_field, v) for k, v in value.items()}
        elif _is_repeated(field):
            out[field.name] = [_value_out(field, v) for v in value]
        elif field.message_type is not None:
            if message.HasField(field.name):
                out[field.name] = _value_out(field, value)
        else:
            out[field.name] = _value_out(field, value)
    return out


# ------------------------------------------------------------------------------------ dict -> wire


def _set_message(target: Message, value: Any, path: str) -> None:
    name = target.DESCRIPTOR.full_name
    if name == _TIMESTAMP:
        try:
            if isinstance(value, dt.datetime):
                if value.tzinfo is None:
                    raise ContractError(path, "malformed", "timestamps must be timezone-aware")
                target.FromDatetime(value.astimezone(dt.UTC))
            else:
                target.FromJsonString(str(value))
        except ValueError as exc:
            raise ContractError(path, "malformed", f"not an RFC 3339 timestamp: {exc}") from None
    elif name == _STRUCT:
        if not isinstance(value, dict):
            raise ContractError(path, "malformed", "must be a JSON object")
        target.update(value)
    else:
        from_builtins(value, target, path)


def _scalar_in(field: FieldDescriptor, value: Any, path: str) -> Any:
    if field.enum_type is not None and isinstance(value, str):
        return enum_number(field.enum_type, value, path)
    return value


def from_builtins(data: dict[str, Any], target: Message, path: str = "") -> Message:
    """Fill `target` from plain values in domain spelling; unknown keys are refused."""
    if not isinstance(data, dict):
        raise ContractError(path or "message", "malformed", "must be an object")
    fields = target.DESCRIPTOR.fields_by_name
    for key, value in data.items():
        here = f"{path}.{key}" if path else key
        field = fields.get(key)
        if field is None:
            raise ContractError(here, "unknown_field", f"{target.DESCRIPTOR.name} has no field {key!r}")
        if value is None:
            continue
        try:
            if _is_map(field):
                value_field = field.message_type.fields_by_name["value"]
                container = getattr(target, key)
                for k, v in value.items():
                    if value_field.message_type is not None:
                        _set_message(container[k], v, f"{here}[{k!r}]")
                    else:
                        container[k] = _scalar_in(value_field, v, f"{here}[{k!r}]")
            elif _is_repeated(field):
                container = getattr(target, key)
                for index, item in enumerate(value):
                    if field.message_type is not None:
                        _set_message(container.add(), item, f"{here}[{index}]")
                    else:
                        container.append(_scalar_in(field, item, f"{here}[{index}]"))
            elif field.message_type is not None:
                _set_message(getattr(target, key), value, here)
            else:
                setattr(target, key, _scalar_in(field, value, here))
        except (TypeError, ValueError) as exc:
            if isinstance(exc, ContractError):
                raise
            raise ContractError(here, "malformed", str(exc)) from None
    return target


# ------------------------------------------------------------------------------ validation errors

_PATH_RE = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_MISSING_RE = re.compile(r"^Object missing required field `(?P<name>[^`]+)`")


def contract_error(exc: msgspec.ValidationError) -> ContractError:
    """A msgspec ValidationError as a ContractError with a dotted field path."""
    text = str(exc)
    match = _PATH_RE.search(text)
    path = match.group("path").lstrip(".") if match else ""
    message = text[: match.start()] if match else text
    missing = _MISSING_RE.match(message)
    if missing:
        name = missing.group("name")
        return ContractError(f"{path}.{name}" if path else name, "missing", "is required")
    if "length >= 1" in message:
        return ContractError(path, "missing", "must not be empty")
    if message.startswith("Invalid enum value"):
        value = message.removeprefix("Invalid enum value").strip()
        reason = "unknown_enum" if value.strip("'") not in ("", _UNSPECIFIED) else "missing"
        return ContractError(path, reason, f"{value} is not allowed here")
    if message.startswith(("Expected `int` >=", "Expected `int` <=")):
        return ContractError(path, "out_of_range", message)
    if message.startswith(("Expected", "Invalid")):
        return ContractError(path, "malformed", message)
    # __post_init__ raised ContractError / ValueError: keep its reason, prefix the path
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, ContractError):
        return cause.nested(path) if path else cause
    return ContractError(path, "invalid", message)


# ---------------------------------------------------------------------------------- entry points


def from_wire(message: Message, domain_type: type[T]) -> T:
    """Validated domain value of a protobuf message."""
    try:
        return msgspec.convert(to_builtins(message), domain_type, strict=False)
    except msgspec.ValidationError as exc:
        raise contract_error(exc) from None


def to_wire(value: msgspec.Struct, pb_type: type[P]) -> P:
    """Protobuf message of a domain value (re-validated: an invalid value raises here)."""
    try:
        value = msgspec.convert(msgspec.to_builtins(value), type(value), strict=False)
    except msgspec.ValidationError as exc:
        raise contract_error(exc) from None
    data = msgspec.to_builtins(value, builtin_types=(dt.datetime,))
    return from_builtins(data, pb_type())  # type: ignore[return-value]


def from_bytes(data: bytes, pb_type: type[P], domain_type: type[T]) -> T:
    """Parse protobuf bytes and convert to a validated domain value."""
    from google.protobuf.message import DecodeError

    message = pb_type()
    try:
        message.ParseFromString(data)
    except DecodeError as exc:
        raise ContractError(pb_type.DESCRIPTOR.name, "malformed", f"not a valid {pb_type.DESCRIPTOR.name}: {exc}") from None
    return from_wire(message, domain_type)


_UNKNOWN_FIELD_RE = re.compile(r'has no field named "(?P<name>[^"]+)" at "(?P<path>[^"]*)"')
_CHAIN_RE = re.compile(r"Failed to parse (\w+) field")
_REPEATED_RE = re.compile(r"repeated field (\w+) must be")
_AT_PATH_RE = re.compile(r" at (?P<path>[A-Za-z_][\w.\[\]]*?)\.*$")


def parse_error(exc: json_format.ParseError, root: str) -> ContractError:
    """A protobuf JSON ParseError as a ContractError naming the field (paths lose the root name)."""
    text = str(exc).splitlines()[0]

    def strip(path: str) -> str:
        return path[len(root):].lstrip(".") if path.startswith(root) else path

    unknown = _UNKNOWN_FIELD_RE.search(text)
    if unknown:
        parent = strip(unknown.group("path"))
        field = f"{parent}.{unknown.group('name')}" if parent else unknown.group("name")
        return ContractError(field, "unknown_field", "is not a field of this message")
    at = _AT_PATH_RE.search(text)
    # without an " at <path>" suffix, rebuild the path from "Failed to parse <name> field" links
    field = strip(at.group("path")) if at else ""
    field = field or ".".join(_CHAIN_RE.findall(text))
    if not field and (repeated := _REPEATED_RE.search(text)):
        field = repeated.group(1)
    reason = "unknown_enum" if "Invalid enum value" in text else "malformed"
    detail = text.rsplit(": ", 1)[-1] if ": " in text else text
    return ContractError(field or root, reason, detail.split(" at ")[0].rstrip("."))


def from_json(data: dict[str, Any], pb_type: type[P], domain_type: type[T]) -> T:
    """Proto3-JSON (the HTTP form, original field names) -> validated domain value."""
    try:
        message = json_format.ParseDict(data, pb_type())
    except json_format.ParseError as exc:
        raise parse_error(exc, pb_type.DESCRIPTOR.name) from None
    return from_wire(message, domain_type)


def to_json(value: msgspec.Struct, pb_type: type[Message]) -> dict[str, Any]:
    """Domain value -> proto3-JSON dict (original field names, defaults omitted)."""
    return json_format.MessageToDict(to_wire(value, pb_type), preserving_proto_field_name=True,
                                     unquote_int64_if_possible=True)
