"""Constrained field types shared by the domain Structs (msgspec checks them on conversion)."""

from __future__ import annotations

from typing import Annotated

import msgspec

NonEmpty = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]
Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Seq = Annotated[int, msgspec.Meta(ge=1)]  # sequences start at 1
Count = Annotated[int, msgspec.Meta(ge=0)]
Sha256Ref = Annotated[str, msgspec.Meta(pattern=r"^sha256:[0-9a-f]+$")]  # "sha256:" + hex (may be abbreviated)


class Domain(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every domain Struct: immutable and strict about unknown fields. (msgspec does not
    inherit kw_only, so each subclass says `kw_only=True` itself.)"""
