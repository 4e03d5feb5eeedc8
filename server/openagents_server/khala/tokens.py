"""Sync tokens: short-lived HS256 JWTs that admit a client to Khala (ARCHITECTURE §4).

Minting belongs to the control service (``POST /api/sync/token``); verification to the Khala
gateway. Both live here so the claim set has one definition. Keys carry ids (``kid``) so the
signing key can rotate while tokens signed by the previous key stay valid until they expire.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import jwt
import msgspec

ISSUER = "openagents-control"
AUDIENCE = "openagents-sync"
ALGORITHM = "HS256"
#: anchor: TTL 300 s, bounded to 60–900 s; zero leeway. A token admits a HELLO from ``iat`` until
#: ``exp`` — the expiry HELLO_OK advertises — and never longer than MAX_TTL_SECONDS (ADR 0104: the
#: anchor's separate 300 s maximum age refused 900 s tokens two thirds into their advertised life).
DEFAULT_TTL_SECONDS = 300
MIN_TTL_SECONDS = 60
MAX_TTL_SECONDS = 900
LEEWAY_SECONDS = 0


class SyncTokenError(Exception):
    """A sync token was refused; ``reason`` is a stable machine-readable code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class SyncTokenClaims(msgspec.Struct, frozen=True, kw_only=True):
    sub: str
    iss: str
    aud: str
    iat: int
    exp: int
    jti: str
    oa_user_id: str
    oa_org_id: str
    oa_session_id: str
    oa_device_id: str
    oa_sync_scopes: tuple[str, ...] = ()
    oa_sync_topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class SigningKeys:
    """The active key signs; every key in ``keys`` verifies (old keys stay until their tokens expire)."""

    active_kid: str
    keys: Mapping[str, str]

    @classmethod
    def single(cls, secret: str, kid: str = "k1") -> SigningKeys:
        return cls(active_kid=kid, keys={kid: secret})

    @classmethod
    def parse(cls, spec: str) -> SigningKeys:
        """``"secret"`` or ``"kid1:secret1,kid2:secret2"`` (the first entry signs)."""
        if ":" not in spec:
            return cls.single(spec)
        pairs = [item.split(":", 1) for item in spec.split(",") if item.strip()]
        return cls(active_kid=pairs[0][0].strip(), keys={k.strip(): v for k, v in pairs})


def mint_sync_token(
    keys: SigningKeys,
    *,
    user_id: str,
    org_id: str,
    session_id: str,
    device_id: str,
    scopes: Sequence[str],
    topics: Sequence[str],
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    now: int | None = None,
    issuer: str = ISSUER,
) -> tuple[str, SyncTokenClaims]:
    if not MIN_TTL_SECONDS <= ttl_seconds <= MAX_TTL_SECONDS:
        raise ValueError(f"ttl_seconds must be within {MIN_TTL_SECONDS}..{MAX_TTL_SECONDS}")
    issued = int(time.time()) if now is None else now
    claims = SyncTokenClaims(
        sub=user_id,
        iss=issuer,
        aud=AUDIENCE,
        iat=issued,
        exp=issued + ttl_seconds,
        jti="sync_" + secrets.token_urlsafe(16),
        oa_user_id=user_id,
        oa_org_id=org_id,
        oa_session_id=session_id,
        oa_device_id=device_id,
        oa_sync_scopes=tuple(scopes),
        oa_sync_topics=tuple(topics),
    )
    token = jwt.encode(
        msgspec.to_builtins(claims),
        keys.keys[keys.active_kid],
        algorithm=ALGORITHM,
        headers={"kid": keys.active_kid},
    )
    return token, claims


def verify_sync_token(token: str, keys: SigningKeys, *, now: int | None = None) -> SyncTokenClaims:
    """Verify signature, issuer, audience, expiry (zero leeway), lifetime and required claims."""
    if not token:
        raise SyncTokenError("missing", "no sync token was given")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise SyncTokenError("malformed", "sync token is not a JWT") from None
    if header.get("alg") != ALGORITHM:
        raise SyncTokenError("bad_algorithm", "sync token must be HS256")
    kid = header.get("kid") or keys.active_kid
    secret = keys.keys.get(kid)
    if secret is None:
        raise SyncTokenError("unknown_key", "sync token was signed by an unknown key")
    current = int(time.time()) if now is None else now
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "jti", "sub", "aud", "iss"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidSignatureError:
        raise SyncTokenError("bad_signature", "sync token signature is invalid") from None
    except jwt.InvalidAudienceError:
        raise SyncTokenError("wrong_audience", "sync token audience is not openagents-sync") from None
    except jwt.InvalidIssuerError:
        raise SyncTokenError("wrong_issuer", "sync token issuer is not trusted") from None
    except jwt.MissingRequiredClaimError as exc:
        raise SyncTokenError(f"missing_{exc.claim}", f"sync token lacks the {exc.claim} claim") from None
    except jwt.PyJWTError as exc:
        raise SyncTokenError("invalid", f"sync token is invalid: {exc}") from None
    try:
        claims = msgspec.convert(payload, SyncTokenClaims)
    except msgspec.ValidationError as exc:
        raise SyncTokenError("invalid_claims", f"sync token claims are invalid: {exc}") from None
    # Checked here rather than by PyJWT so expiry uses the same clock as the age check.
    if current >= claims.exp:
        raise SyncTokenError("expired", "sync token has expired")
    if claims.iat > current + LEEWAY_SECONDS:
        raise SyncTokenError("not_yet_valid", "sync token was issued in the future")
    if claims.exp - claims.iat > MAX_TTL_SECONDS:
        raise SyncTokenError("too_old", f"sync token claims a lifetime above {MAX_TTL_SECONDS} s")
    return claims
