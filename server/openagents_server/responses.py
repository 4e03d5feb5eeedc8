"""Success bodies: ``{"data": …}`` (ARCHITECTURE §5), typed so ``/openapi.json`` describes each one."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from litestar import Response
from litestar.datastructures import Cookie
from msgspec import Struct

T = TypeVar("T")


class Data(Struct, Generic[T]):
    """The success envelope. ``Data[Me]`` documents (and encodes) ``{"data": {…Me…}}``."""

    data: T


def ok(data: T, *, status: int = 200, cookies: list[Cookie] | None = None,
       headers: dict[str, str] | None = None) -> Response[Data[T]]:
    """A success response carrying ``data``, with the cookies or headers a route must set."""
    return Response(Data(data), status_code=status, cookies=cookies or [], headers=headers)


def as_struct(value: Any, kind: type[T]) -> T:
    """Convert a service's plain value into its response struct (validated, so drift fails loudly)."""
    import msgspec

    return msgspec.convert(value, kind, from_attributes=True)


def typed(kind: type[T], value: Any, *, status: int = 200, cookies: list[Cookie] | None = None,
          headers: dict[str, str] | None = None) -> Response[Data[T]]:
    """:func:`ok` for a service's plain value: converted to ``kind`` first (see :func:`as_struct`)."""
    return ok(as_struct(value, kind), status=status, cookies=cookies, headers=headers)
