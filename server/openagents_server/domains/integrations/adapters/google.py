"""Google through OAuth 2.0 authorization code + PKCE (S256) + ``state``, using Authlib.

Endpoints come from settings, so tests point them at a local fake server with Google's shapes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Protocol

from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from httpx import HTTPError

from openagents_server.settings import Settings


@dataclass(frozen=True, slots=True)
class Authorization:
    url: str
    state: str
    code_verifier: str


class OAuthFailure(Exception):
    """The provider refused (``error`` is its OAuth error code) or could not be reached."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class OAuthProvider(Protocol):
    def authorization(self, redirect_uri: str) -> Authorization: ...
    async def exchange(self, code: str, code_verifier: str, redirect_uri: str) -> dict[str, Any]: ...
    async def refresh(self, refresh_token: str) -> dict[str, Any]: ...
    async def userinfo(self, access_token: str) -> dict[str, Any]: ...
    async def revoke(self, token: str) -> None: ...


class GoogleOAuth:
    def __init__(self, settings: Settings, timeout: float = 10.0) -> None:
        self.client_id = settings.google_client_id
        self._secret = settings.google_client_secret
        self.authorize_url = settings.google_authorize_url
        self.token_url = settings.google_token_url
        self.revoke_url = settings.google_revoke_url
        self.userinfo_url = settings.google_userinfo_url
        self.scope = settings.google_scopes
        self.timeout = timeout

    def _client(self, redirect_uri: str | None = None, token: dict[str, Any] | None = None) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.client_id, client_secret=self._secret, scope=self.scope, redirect_uri=redirect_uri,
            code_challenge_method="S256", token=token, timeout=self.timeout,
            token_endpoint_auth_method="client_secret_post",
        )

    def authorization(self, redirect_uri: str) -> Authorization:
        verifier = generate_token(64)
        state = secrets.token_urlsafe(32)
        client = self._client(redirect_uri)
        # access_type=offline + prompt=consent: Google returns a refresh token.
        url, state = client.create_authorization_url(self.authorize_url, state=state, code_verifier=verifier,
                                                     access_type="offline", prompt="consent")
        return Authorization(url, state, verifier)

    async def exchange(self, code: str, code_verifier: str, redirect_uri: str) -> dict[str, Any]:
        async with self._client(redirect_uri) as client:
            return await self._guard(client.fetch_token(self.token_url, code=code, code_verifier=code_verifier,
                                                        grant_type="authorization_code"))

    async def refresh(self, refresh_token: str) -> dict[str, Any]:
        async with self._client() as client:
            return await self._guard(client.refresh_token(self.token_url, refresh_token=refresh_token))

    async def userinfo(self, access_token: str) -> dict[str, Any]:
        async with self._client(token={"access_token": access_token, "token_type": "Bearer"}) as client:
            try:
                response = await client.get(self.userinfo_url)
            except HTTPError as exc:
                raise OAuthFailure("unreachable", f"Google could not be reached: {exc}") from None
            if response.status_code != 200:
                raise OAuthFailure("userinfo_failed", f"Google's userinfo answered {response.status_code}")
            return dict(response.json())

    async def revoke(self, token: str) -> None:
        async with self._client() as client:
            try:
                response = await client.revoke_token(self.revoke_url, token=token)
            except HTTPError as exc:
                raise OAuthFailure("unreachable", f"Google could not be reached: {exc}") from None
            # 400 invalid_token: already revoked or expired at Google; the grant is gone either way.
            if response.status_code not in (200, 400):
                raise OAuthFailure("revoke_failed", f"Google's revoke endpoint answered {response.status_code}")

    @staticmethod
    async def _guard(call: Any) -> dict[str, Any]:
        try:
            return dict(await call)
        except OAuthError as exc:
            raise OAuthFailure(exc.error or "oauth_error", exc.description or str(exc)) from None
        except HTTPError as exc:
            raise OAuthFailure("unreachable", f"Google could not be reached: {exc}") from None
