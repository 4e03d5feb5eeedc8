"""A local HTTP server that answers the WorkOS SDK's real User Management requests.

Paths, bodies and response shapes follow the ``workos`` package (``user_management/_resource.py``
and its models). Behaviour is chosen by input so tests can provoke each WorkOS failure:
email ``limited…`` → 429 with Retry-After, ``down…`` → 500, code ``999999`` → expired, any other
code but :data:`GOOD_CODE` → invalid_grant; a wrong client secret → 401.
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

GOOD_CODE = "424242"
EXPIRED_CODE = "999999"
API_KEY = "sk_test_fake"
CLIENT_ID = "client_fake"


def user_id_for(email: str) -> str:
    return "user_01" + hashlib.sha256(email.encode()).hexdigest()[:24].upper()


def _user(email: str) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {
        "object": "user", "id": user_id_for(email), "first_name": "Ada", "last_name": "Lovelace",
        "profile_picture_url": None, "email": email, "email_verified": True, "external_id": None,
        "last_sign_in_at": now, "created_at": now, "updated_at": now,
    }


class FakeWorkOS:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, Any], dict[str, str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(("POST", self.path, body, dict(self.headers)))
                status, payload, headers = fake.answer(self.path, body, self.headers.get("authorization", ""))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("x-request-id", "req_fake")
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str, body: dict[str, Any], authorization: str) -> tuple[int, Any, dict[str, str]]:
        email = str(body.get("email", ""))
        if email.startswith("limited"):
            return 429, {"message": "Too many requests", "code": "rate_limit_exceeded"}, {"Retry-After": "7"}
        if email.startswith("down"):
            return 500, {"message": "Internal Server Error"}, {}
        if path == "/user_management/magic_auth":
            if authorization != f"Bearer {API_KEY}":
                return 401, {"message": "Unauthorized"}, {}
            now = datetime.now(UTC)
            return 201, {
                "object": "magic_auth", "id": "magic_auth_01FAKE", "user_id": user_id_for(email), "email": email,
                "expires_at": (now + timedelta(minutes=10)).isoformat(), "created_at": now.isoformat(),
                "updated_at": now.isoformat(), "code": GOOD_CODE,
            }, {}
        if path == "/user_management/authenticate":
            if body.get("client_secret") != API_KEY or body.get("client_id") != CLIENT_ID:
                return 401, {"message": "Invalid client secret"}, {}
            if body.get("grant_type") != "urn:workos:oauth:grant-type:magic-auth:code":
                return 400, {"error": "unsupported_grant_type", "error_description": "bad grant"}, {}
            if body.get("code") == EXPIRED_CODE:
                return 400, {"error": "invalid_grant", "error_description": "The one-time code has expired."}, {}
            if body.get("code") != GOOD_CODE:
                return 400, {"error": "invalid_grant", "error_description": "Invalid one-time code."}, {}
            return 200, {"user": _user(email), "organization_id": None, "access_token": "wos_at",
                         "refresh_token": "wos_rt", "authentication_method": "MagicAuth"}, {}
        if path == "/user_management/users":
            return 201, _user(email), {}
        return 404, {"message": "Not found"}, {}
