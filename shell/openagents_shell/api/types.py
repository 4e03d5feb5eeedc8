"""The request and response shapes the shell's pages use (the server's OpenAPI names; unknown fields ignored)."""

from __future__ import annotations

import msgspec


class EmailRequest(msgspec.Struct):
    email: str


class VerifyRequest(msgspec.Struct, omit_defaults=True):
    email: str
    code: str
    challenge_id: str | None = None


class ChallengeSent(msgspec.Struct):
    challenge_id: str
    email_hint: str
    expires_at: str
    resend_allowed: bool


class SignedUser(msgspec.Struct):
    id: str
    email: str
    name: str | None = None


class SignedIn(msgspec.Struct):
    new_user: bool
    user: SignedUser


class Profile(msgspec.Struct):
    id: str
    email: str
    name: str | None
    updated_at: str


class ProfileUpdate(msgspec.Struct):
    name: str
