"""Local HTTP servers that speak the shapes of Resend's API and Google's OAuth 2.0 endpoints.

FakeResend answers what the official ``resend`` SDK sends (``GET /domains``, ``POST /emails``) with
Resend's bodies and error names, and fires Svix-signed delivery webhooks at a URL like Resend does.
FakeGoogle is an OAuth 2.0 authorization server with PKCE (S256): authorize, token, revoke, userinfo.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from standardwebhooks.webhooks import Webhook

FULL_KEY = "re_fake_fullaccess_7Kq2abcd"
SENDING_KEY = "re_fake_sendonly_9Zx8wxyz"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"fake-resend-webhook-signing-key!").decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"another-resend-signing-key-00000").decode()


class _Server:
    def __init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _answer(self, method: str) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body, headers = fake.handle(method, self.path, dict(self.headers), raw)
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                if not isinstance(body, bytes):
                    self.send_header("content-type", "application/json")
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> _Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError


def _resend_error(status: int, name: str, message: str) -> tuple[int, Any, dict[str, str]]:
    return status, {"statusCode": status, "name": name, "message": message}, {}


class FakeResend(_Server):
    def __init__(self, secret: str = WEBHOOK_SECRET) -> None:
        super().__init__()
        self.webhook = Webhook(secret)
        self.webhook_url: str | None = None
        #: Events fired after each send, in order (the test decides; default: sent then delivered).
        self.auto_events: tuple[str, ...] = ("email.sent", "email.delivered")
        self.sent: list[dict[str, Any]] = []
        self.deliveries: list[tuple[str, int]] = []

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str]]:
        auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        key = auth.removeprefix("Bearer ").strip()
        if not key or key == "None":
            return _resend_error(401, "missing_api_key", "Missing API key in the authorization header.")
        if key not in (FULL_KEY, SENDING_KEY):
            return _resend_error(400, "validation_error", "API key is invalid")
        if method == "GET" and path.startswith("/domains"):
            if key == SENDING_KEY:
                return _resend_error(401, "restricted_api_key", "This API key is restricted to only send emails")
            return 200, {"object": "list", "has_more": False, "data": [
                {"id": "d91cd9bd-1176-453e-8fc1-35364d380206", "name": "example.com", "status": "verified",
                 "created_at": "2023-04-26 20:21:26.347412+00", "region": "us-east-1", "capabilities": {}}]}, {}
        if method == "POST" and path == "/emails":
            body = json.loads(raw or b"{}")
            missing = [f for f in ("from", "to", "subject") if not body.get(f)]
            if missing:
                return _resend_error(422, "missing_required_field", f"Missing `{missing[0]}` field.")
            email_id = str(uuid.uuid4())
            self.sent.append({"id": email_id, **body})
            if self.webhook_url and self.auto_events:
                threading.Thread(target=self._fire_all, args=(email_id, body), daemon=True).start()
            return 200, {"id": email_id}, {}
        return _resend_error(404, "not_found", "The requested endpoint does not exist.")

    def _fire_all(self, email_id: str, body: dict[str, Any]) -> None:
        time.sleep(0.05)
        for event_type in self.auto_events:
            try:
                self.fire(event_type, email_id, to=body["to"], subject=body["subject"])
            except httpx.HTTPError:
                return  # the server under test stopped first (its test did not wait for deliveries)

    def event(self, event_type: str, email_id: str, *, to: Any = "someone@example.com", subject: str = "s") -> bytes:
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        return json.dumps({"type": event_type, "created_at": now, "data": {
            "created_at": now, "email_id": email_id, "from": "OpenAgents <onboarding@resend.dev>",
            "to": to if isinstance(to, list) else [to], "subject": subject}}).encode()

    def signed(self, body: bytes, *, msg_id: str | None = None, timestamp: datetime | None = None,
               webhook: Webhook | None = None) -> dict[str, str]:
        msg_id = msg_id or f"msg_{secrets.token_hex(12)}"
        timestamp = timestamp or datetime.now(UTC)
        signature = (webhook or self.webhook).sign(msg_id, timestamp, body)
        return {"svix-id": msg_id, "svix-timestamp": str(int(timestamp.timestamp())), "svix-signature": signature,
                "content-type": "application/json", "user-agent": "Svix-Webhooks/1.0"}

    def fire(self, event_type: str, email_id: str, **kwargs: Any) -> httpx.Response:
        assert self.webhook_url
        body = self.event(event_type, email_id, **kwargs)
        response = httpx.post(self.webhook_url, content=body, headers=self.signed(body), timeout=10)
        self.deliveries.append((event_type, response.status_code))
        return response


CLIENT_ID = "fake-client.apps.googleusercontent.com"
CLIENT_SECRET = "fake-google-client-secret-0123456789"


class FakeGoogle(_Server):
    def __init__(self) -> None:
        super().__init__()
        self.codes: dict[str, dict[str, str]] = {}
        self.access: dict[str, str] = {}
        self.refresh: dict[str, str] = {}
        self.revoked: list[str] = []
        self.deny: str | None = None
        self.expires_in = 3599
        self.token_requests: list[dict[str, str]] = []

    @property
    def env(self) -> dict[str, str]:
        return {"OPENAGENTS_GOOGLE_CLIENT_ID": CLIENT_ID, "OPENAGENTS_GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
                "OPENAGENTS_GOOGLE_AUTHORIZE_URL": self.url + "/o/oauth2/v2/auth",
                "OPENAGENTS_GOOGLE_TOKEN_URL": self.url + "/token", "OPENAGENTS_GOOGLE_REVOKE_URL": self.url + "/revoke",
                "OPENAGENTS_GOOGLE_USERINFO_URL": self.url + "/v1/userinfo"}

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(path)
        if method == "GET" and parts.path == "/o/oauth2/v2/auth":
            return self._authorize({k: v[0] for k, v in parse_qs(parts.query).items()})
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if method == "POST" and parts.path == "/token":
            self.token_requests.append(form)
            return self._token(form)
        if method == "POST" and parts.path == "/revoke":
            token = form.get("token", "")
            if token in self.refresh or token in self.access:
                self.revoked.append(token)
                email = self.refresh.pop(token, None) or self.access.pop(token, None)
                for access, owner in list(self.access.items()):
                    if owner == email:
                        del self.access[access]
                return 200, {}, {}
            return 400, {"error": "invalid_token", "error_description": "Token expired or revoked"}, {}
        if method == "GET" and parts.path == "/v1/userinfo":
            token = {k.lower(): v for k, v in headers.items()}.get("authorization", "").removeprefix("Bearer ")
            email = self.access.get(token)
            if email is None:
                return 401, {"error": "invalid_request", "error_description": "Invalid Credentials"}, {}
            return 200, {"sub": hashlib.sha256(email.encode()).hexdigest()[:21], "email": email,
                         "email_verified": True}, {}
        return 404, {"error": "not_found"}, {}

    def _authorize(self, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return 400, b"Error 400: invalid_request", {"content-type": "text/html"}
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, b"Error 400: invalid_request (PKCE required)", {"content-type": "text/html"}
        target = query["redirect_uri"]
        if self.deny:
            params = {"error": self.deny, "state": query.get("state", "")}
        else:
            code = "4/" + secrets.token_urlsafe(24)
            self.codes[code] = {"challenge": query["code_challenge"], "redirect_uri": target,
                                "email": "ada.google@example.com"}
            params = {"code": code, "scope": query.get("scope", ""), "state": query.get("state", "")}
        return 302, b"", {"location": f"{target}?{urlencode(params)}"}

    def _tokens(self, email: str, refresh: str | None) -> dict[str, Any]:
        access = "ya29." + secrets.token_urlsafe(32)
        self.access[access] = email
        body = {"access_token": access, "expires_in": self.expires_in, "token_type": "Bearer",
                "scope": "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/gmail.send"}
        if refresh:
            self.refresh[refresh] = email
            body["refresh_token"] = refresh
        return body

    def _token(self, form: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client", "error_description": "The OAuth client was not found."}, {}
        if form.get("grant_type") == "refresh_token":
            email = self.refresh.get(form.get("refresh_token", ""))
            if email is None:
                return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}, {}
            return 200, self._tokens(email, None), {}
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant", "error_description": "Malformed auth code."}, {}
        if grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "redirect_uri_mismatch", "error_description": "Bad Request"}, {}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "Invalid code verifier."}, {}
        return 200, self._tokens(grant["email"], "1//" + secrets.token_urlsafe(32)), {}
