"""The manifest's eight entries of issue 23: the API ones in /openapi.json with response schemas, the
web ones served by the server (never the shell's fallback)."""

from __future__ import annotations

from pathlib import Path

import httpx

MANIFEST = Path(__file__).resolve().parents[1] / "fixtures" / "api-manifest.json"
API = [("post", "/api/webhooks/resend"), ("post", "/api/internal/runtime/integrations/secrets/fetch")]
WEB = [("POST", "/settings/integrations/resend"), ("DELETE", "/settings/integrations/resend"),
       ("POST", "/settings/integrations/resend/test"), ("GET", "/settings/integrations/google/redirect"),
       ("GET", "/settings/integrations/google/callback"), ("DELETE", "/settings/integrations/google")]


def test_the_manifest_names_these_entries() -> None:
    text = MANIFEST.read_text()
    for _, path in API + WEB:
        assert f'"path": "{path}"' in text


async def test_the_api_entries_are_documented_with_response_schemas(server) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        spec = (await http.get("/openapi.json")).json()
    for method, path in API:
        operation = spec["paths"][path][method]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema.get("$ref") or schema.get("properties"), (path, schema)
    fetch = spec["paths"]["/api/internal/runtime/integrations/secrets/fetch"]["post"]
    assert fetch["requestBody"]["content"]["application/json"]["schema"]


async def test_the_web_entries_are_served_by_the_server(server) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        for method, path in WEB:
            response = await http.request(method, path, headers={"accept": "application/json"})
            # Unauthenticated: the route answers the error envelope (not a 404, not the shell's page).
            assert response.status_code in (401, 403, 422), (method, path, response.status_code)
            assert response.json()["error"]["code"]
