import jwt
import msgspec
import pytest
from openagents_server.khala.tokens import (
    SigningKeys,
    SyncTokenError,
    mint_sync_token,
    verify_sync_token,
)

KEYS = SigningKeys.single("s" * 40)
NOW = 1_800_000_000


def _mint(keys: SigningKeys = KEYS, **overrides):
    args = {"user_id": "u1", "org_id": "o1", "session_id": "s1", "device_id": "d1",
                "scopes": ["runtime.run_events"], "topics": ["run:r1:events"], "now": NOW}
    args.update(overrides)
    return mint_sync_token(keys, **args)


def test_round_trip_keeps_every_claim() -> None:
    token, claims = _mint()
    verified = verify_sync_token(token, KEYS, now=NOW + 10)
    assert verified == claims
    assert verified.oa_session_id == "s1" and verified.oa_sync_topics == ("run:r1:events",)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda p: p.pop("jti"), "missing_jti"),
        (lambda p: p.pop("iat"), "missing_iat"),
        (lambda p: p.update(aud="someone-else"), "wrong_audience"),
        (lambda p: p.update(iss="evil"), "wrong_issuer"),
    ],
)
def test_required_claims_are_enforced(mutate, reason: str) -> None:
    _, claims = _mint()
    import msgspec

    payload = msgspec.to_builtins(claims)
    mutate(payload)
    token = jwt.encode(payload, KEYS.keys["k1"], algorithm="HS256", headers={"kid": "k1"})
    with pytest.raises(SyncTokenError) as info:
        verify_sync_token(token, KEYS, now=NOW + 1)
    assert info.value.reason == reason


def test_expiry_has_zero_leeway() -> None:
    token, claims = _mint(ttl_seconds=60)
    verify_sync_token(token, KEYS, now=claims.exp - 1)
    with pytest.raises(SyncTokenError, match="expired"):
        verify_sync_token(token, KEYS, now=claims.exp)


def test_bad_signature_and_garbage_are_refused() -> None:
    token, _ = _mint(keys=SigningKeys.single("x" * 40))
    with pytest.raises(SyncTokenError) as info:
        verify_sync_token(token, KEYS, now=NOW)
    assert info.value.reason == "bad_signature"
    with pytest.raises(SyncTokenError) as info:
        verify_sync_token("not-a-token", KEYS, now=NOW)
    assert info.value.reason == "malformed"


def test_rotated_key_still_verifies_until_expiry() -> None:
    old = SigningKeys.parse("k1:" + "a" * 40)
    token, _ = _mint(keys=old)
    rotated = SigningKeys.parse("k2:" + "b" * 40 + ",k1:" + "a" * 40)
    assert verify_sync_token(token, rotated, now=NOW + 5).oa_user_id == "u1"
    new_token, _ = _mint(keys=rotated)
    assert jwt.get_unverified_header(new_token)["kid"] == "k2"
    with pytest.raises(SyncTokenError) as info:
        verify_sync_token(new_token, old, now=NOW + 5)
    assert info.value.reason == "unknown_key"


def test_ttl_is_bounded() -> None:
    with pytest.raises(ValueError):
        _mint(ttl_seconds=30)
    with pytest.raises(ValueError):
        _mint(ttl_seconds=901)


def test_a_token_admits_until_the_expiry_it_was_minted_with() -> None:
    token, claims = _mint(ttl_seconds=900)
    verify_sync_token(token, KEYS, now=NOW + 301)
    verify_sync_token(token, KEYS, now=claims.exp - 1)
    with pytest.raises(SyncTokenError) as info:
        verify_sync_token(token, KEYS, now=claims.exp)
    assert info.value.reason == "expired"


def test_a_token_claiming_a_lifetime_above_the_maximum_is_refused() -> None:
    _token, claims = _mint(ttl_seconds=900)
    forged = jwt.encode({**msgspec.to_builtins(claims), "exp": claims.iat + 901}, KEYS.keys[KEYS.active_kid],
                        algorithm="HS256", headers={"kid": KEYS.active_kid})
    with pytest.raises(SyncTokenError) as info:
        verify_sync_token(forged, KEYS, now=NOW + 1)
    assert info.value.reason == "too_old"
