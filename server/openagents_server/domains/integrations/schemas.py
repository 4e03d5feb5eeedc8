"""Request bodies of the integration routes: bounded msgspec structs (bad input is a 422)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from openagents_server.domains.identity.schemas import Email

#: Resend API keys are ``re_`` followed by an opaque token.
ResendKey = Annotated[str, Meta(min_length=12, max_length=200, pattern=r"^re_[A-Za-z0-9_-]+$",
                                description="a Resend API key (re_…)")]
Provider = Literal["resend", "google"]
RunId = Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_:.-]+$")]
UserId = Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_:.-]+$")]
Csrf = Annotated[str, Meta(max_length=256)]


class _Body(Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class ConnectResendRequest(_Body):
    api_key: ResendKey


class TestEmailRequest(_Body):
    #: Defaults to the signed-in person's own address.
    to: Email | None = None


class ConnectResendForm(_Body):
    api_key: Annotated[str, Meta(max_length=200)] = ""
    csrf_token: Csrf = ""


class TestEmailForm(_Body):
    to: Annotated[str, Meta(max_length=254)] = ""
    csrf_token: Csrf = ""


class FetchSecretRequest(_Body):
    """What a runtime worker asks for: the secret of ``provider`` for run ``run_id`` of ``user_id``."""

    run_id: RunId
    user_id: UserId
    provider: Provider
