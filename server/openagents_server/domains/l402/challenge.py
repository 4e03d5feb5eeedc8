"""The L402 HTTP headers: the 402 challenge and the credential, produced and parsed.

* Challenge (server → client): ``WWW-Authenticate: L402 macaroon="<base64>", invoice="<bolt11>"``.
  The older ``LSAT`` scheme (same parameters) is accepted when reading, never produced.
* Credential (client → server): ``Authorization: L402 <base64 macaroon>:<hex preimage>``
  (``LSAT`` accepted when reading). Several macaroons may be comma-separated before the colon; we
  mint one, so only the first is used.

Anchor: the L402 specification (lightninglabs/L402) and Aperture's ``lsat``/``l402`` header code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SCHEMES = ("L402", "LSAT")
_PARAM = re.compile(r'([A-Za-z]+)\s*=\s*"([^"]*)"')
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
#: Headers longer than this are refused before any parsing (macaroons we mint are ~300 bytes).
MAX_HEADER_LENGTH = 8192


class MalformedHeader(ValueError):
    """The header is not an L402 challenge or credential."""


@dataclass(frozen=True, slots=True)
class Challenge:
    macaroon: str
    invoice: str
    scheme: str = "L402"


@dataclass(frozen=True, slots=True)
class Credential:
    macaroon: str
    preimage: bytes
    scheme: str = "L402"


def challenge_header(macaroon: str, invoice: str) -> str:
    return f'L402 macaroon="{macaroon}", invoice="{invoice}"'


def credential_header(macaroon: str, preimage: bytes | str) -> str:
    value = preimage.hex() if isinstance(preimage, bytes) else preimage
    return f"L402 {macaroon}:{value}"


def _scheme(value: str) -> tuple[str, str]:
    if len(value) > MAX_HEADER_LENGTH:
        raise MalformedHeader("header too long")
    scheme, _, rest = value.strip().partition(" ")
    upper = scheme.upper()
    if upper not in SCHEMES:
        raise MalformedHeader(f"scheme {scheme!r} is not L402 or LSAT")
    return upper, rest.strip()


def parse_challenge(value: str) -> Challenge:
    """One ``WWW-Authenticate`` value (L402 or LSAT) → its macaroon and invoice."""
    scheme, rest = _scheme(value)
    params = {k.lower(): v for k, v in _PARAM.findall(rest)}
    macaroon, invoice = params.get("macaroon", ""), params.get("invoice", "")
    if not macaroon or not invoice:
        raise MalformedHeader("an L402 challenge needs macaroon= and invoice=")
    return Challenge(macaroon, invoice, scheme)


def find_challenge(values: list[str]) -> Challenge | None:
    """The first L402 (else LSAT) challenge among several ``WWW-Authenticate`` values."""
    found: list[Challenge] = []
    for value in values:
        try:
            found.append(parse_challenge(value))
        except MalformedHeader:
            continue
    found.sort(key=lambda c: c.scheme != "L402")
    return found[0] if found else None


def parse_credential(value: str) -> Credential:
    """An ``Authorization`` value → macaroon and 32-byte preimage; :class:`MalformedHeader` otherwise."""
    scheme, rest = _scheme(value)
    macaroons, sep, preimage = rest.rpartition(":")
    if not sep or not macaroons or not _HEX64.match(preimage):
        raise MalformedHeader("an L402 credential is <macaroon>:<64 hex preimage>")
    return Credential(macaroons.split(",", 1)[0].strip(), bytes.fromhex(preimage), scheme)
