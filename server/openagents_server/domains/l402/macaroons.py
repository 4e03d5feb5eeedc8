"""L402 macaroons through ``pymacaroons``: Aperture's identifier and caveats, verified cheaply.

Identifier (Aperture, version 0): ``uint16 version ‖ 32-byte payment hash ‖ 32-byte token id``.
The root key of each token is ``HMAC-SHA256(root secret, token id)``, so no key is stored.
First-party caveats (Aperture's names):

* ``services=<name>:<tier>[,…]`` — which services the token is good for;
* ``<service>_valid_until=<unix seconds>`` — expiry (the credential lifetime of the paywall);
* ``<service>_capabilities=<cap>[,…]`` — optional capabilities.

A caveat this verifier does not know fails verification (macaroon semantics: unknown = deny).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from dataclasses import dataclass, field

from pymacaroons import MACAROON_V2, Macaroon, Verifier
from pymacaroons.serializers import BinarySerializer

LOCATION = "openagents"
IDENTIFIER_VERSION = 0
_IDENTIFIER = struct.Struct(">H32s32s")
_SERIALIZER = BinarySerializer()


class InvalidMacaroon(ValueError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Minted:
    macaroon: str
    token_id: str
    payment_hash: str
    valid_until: int


@dataclass(frozen=True, slots=True)
class Verified:
    payment_hash: bytes
    token_id: str
    service: str
    valid_until: int
    capabilities: tuple[str, ...] = field(default=())


def root_key(secret: bytes, token_id: bytes) -> bytes:
    return hmac.new(secret, b"openagents.l402.root.v1|" + token_id, hashlib.sha256).digest()


def encode(macaroon: Macaroon) -> str:
    raw = _to_raw(macaroon.serialize(serializer=_SERIALIZER))
    return base64.b64encode(raw).decode()


def _to_raw(text: str) -> bytes:
    text = text.strip()
    padded = text + "=" * (-len(text) % 4)
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidMacaroon("malformed_macaroon", "The macaroon is not base64.") from None


def decode(text: str) -> Macaroon:
    raw = _to_raw(text)
    try:
        return Macaroon.deserialize(base64.urlsafe_b64encode(raw).decode(), serializer=_SERIALIZER)
    except Exception:  # noqa: BLE001 - pymacaroons' binary decoder raises assorted errors on garbage
        raise InvalidMacaroon("malformed_macaroon", "The macaroon cannot be read.") from None


def mint(secret: bytes, *, payment_hash: bytes, service: str, valid_until: int,
         capabilities: tuple[str, ...] = ()) -> Minted:
    token_id = os.urandom(32)
    identifier = _IDENTIFIER.pack(IDENTIFIER_VERSION, payment_hash, token_id)
    macaroon = Macaroon(location=LOCATION, identifier=identifier, key=root_key(secret, token_id), version=MACAROON_V2)
    macaroon.add_first_party_caveat(f"services={service}:0")
    macaroon.add_first_party_caveat(f"{service}_valid_until={valid_until}")
    if capabilities:
        macaroon.add_first_party_caveat(f"{service}_capabilities={','.join(capabilities)}")
    return Minted(encode(macaroon), token_id.hex(), payment_hash.hex(), valid_until)


def identifier_of(macaroon: Macaroon) -> tuple[bytes, bytes]:
    """(payment hash, token id) from an Aperture version-0 identifier."""
    ident = macaroon.identifier_bytes
    if len(ident) != _IDENTIFIER.size:
        raise InvalidMacaroon("unknown_identifier", "The macaroon's identifier is not an L402 identifier.")
    version, payment_hash, token_id = _IDENTIFIER.unpack(ident)
    if version != IDENTIFIER_VERSION:
        raise InvalidMacaroon("unknown_identifier", f"Unknown identifier version {version}.")
    return payment_hash, token_id


def verify(secret: bytes, macaroon: Macaroon, *, service: str, now: float,
           capability: str | None = None) -> Verified:
    """Check signature and caveats for ``service`` at ``now``; :class:`InvalidMacaroon` with a reason."""
    payment_hash, token_id = identifier_of(macaroon)
    found: dict[str, str] = {}
    for caveat in macaroon.first_party_caveats():
        cid = caveat_text(caveat)
        name, sep, value = cid.partition("=")
        if not sep:
            raise InvalidMacaroon("unknown_caveat", f"Unknown caveat {cid!r}.")
        found.setdefault(name, value)  # the first occurrence is the one attenuations cannot widen
        if name == "services":
            names = {part.split(":", 1)[0] for part in value.split(",")}
            if service not in names:
                raise InvalidMacaroon("wrong_service", "The macaroon is for another service.")
        elif name.endswith("_valid_until"):
            try:
                until = int(value)
            except ValueError:
                raise InvalidMacaroon("unknown_caveat", f"Bad caveat {cid!r}.") from None
            if now >= until:
                raise InvalidMacaroon("expired", "The credential has expired.")
        elif name.endswith("_capabilities"):
            if capability is not None and name == f"{service}_capabilities" and capability not in value.split(","):
                raise InvalidMacaroon("capability_missing", f"The credential lacks {capability!r}.")
        else:
            raise InvalidMacaroon("unknown_caveat", f"Unknown caveat {cid!r}.")
    if "services" not in found:
        raise InvalidMacaroon("wrong_service", "The macaroon names no service.")
    verifier = Verifier()
    verifier.satisfy_general(lambda _caveat: True)  # caveats were checked above, with reasons
    try:
        verifier.verify(macaroon, root_key(secret, token_id))
    except Exception:  # noqa: BLE001 - MacaroonException, or a decoding error of a tampered macaroon
        raise InvalidMacaroon("bad_signature", "The macaroon's signature does not verify.") from None
    valid_until = int(found.get(f"{service}_valid_until", "0") or 0)
    caps = tuple(found.get(f"{service}_capabilities", "").split(",")) if f"{service}_capabilities" in found else ()
    return Verified(payment_hash, token_id.hex(), service, valid_until, caps)


def caveat_text(caveat: object) -> str:
    cid = caveat.caveat_id  # type: ignore[attr-defined]
    return cid.decode("utf-8", "replace") if isinstance(cid, bytes) else str(cid)


def preimage_matches(preimage: bytes, payment_hash: bytes) -> bool:
    return hmac.compare_digest(hashlib.sha256(preimage).digest(), payment_hash)
