"""Response bodies of the personal access token routes."""

from __future__ import annotations

from msgspec import UNSET, Struct, UnsetType


class Token(Struct):
    id: str
    name: str
    abilities: list[str]
    expires_at: str | None
    last_used_at: str | None
    created_at: str


class CreatedToken(Token):
    """The token's value is in ``token`` here, once, and never again."""

    token: str


class TokenList(Struct):
    tokens: list[Token]


class DeletedTokens(Struct):
    deleted_token_ids: list[str]


class RevokedCredential(Struct):
    """``DELETE /api/tokens/current``: a PAT names the token deleted, a session the session revoked."""

    deleted_token_ids: list[str] | UnsetType = UNSET
    revoked_session_ids: list[str | None] | UnsetType = UNSET
