"""LND's REST API (``lnd`` ≥ 0.15) over ``httpx``: the calls and shapes of the real daemon.

* ``POST /v1/invoices`` ``{value_msat, memo, expiry}`` → ``{r_hash (base64), payment_request, add_index}``
* ``GET /v1/invoice/{r_hash_str}`` (hex) → ``{state, settled, amt_paid_msat, r_preimage}``
* ``POST /v2/router/send`` ``{payment_request, amt_msat, fee_limit_msat, timeout_seconds,
  no_inflight_updates}`` → newline-delimited ``{"result": Payment}`` (``status`` SUCCEEDED | FAILED |
  IN_FLIGHT, ``payment_preimage`` hex, ``fee_msat``, ``failure_reason`` FAILURE_REASON_*) or ``{"error": …}``
* ``GET /v2/router/track/{payment_hash as base64url}?no_inflight_updates=true`` → the payment's final
  state (one ``{"result": Payment}`` line), or an error "payment isn't initiated" (code 5)
* ``GET /v1/balance/channels`` → ``{local_balance: {sat, msat}, …}``

Authentication is the ``Grpc-Metadata-macaroon`` header (hex). TLS is verified against LND's own
``tls.cert`` when configured. The macaroon never appears in logs or errors.
"""

from __future__ import annotations

import base64
import json
import ssl
from typing import Any

import httpx

from openagents_server.domains.payments.backends.base import (
    BackendUnavailable,
    CreatedInvoice,
    InvoiceState,
    PaymentResult,
)

#: LND's failure reasons → ours (lnrpc.PaymentFailureReason).
FAILURE_REASONS = {
    "FAILURE_REASON_TIMEOUT": "timeout",
    "FAILURE_REASON_NO_ROUTE": "no_route",
    "FAILURE_REASON_ERROR": "error",
    "FAILURE_REASON_INCORRECT_PAYMENT_DETAILS": "incorrect_payment_details",
    "FAILURE_REASON_INSUFFICIENT_BALANCE": "insufficient_balance",
    "FAILURE_REASON_CANCELED": "canceled",
}


def _b64_to_hex(value: str | None) -> str | None:
    if not value:
        return None
    return base64.b64decode(value + "=" * (-len(value) % 4)).hex()


class LndRestBackend:
    mode = "lnd"

    def __init__(self, url: str, macaroon_hex: str, *, tls_cert_path: str = "", timeout: float = 30.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._timeout = timeout
        verify: ssl.SSLContext | bool = True
        if tls_cert_path:
            verify = ssl.create_default_context(cafile=tls_cert_path)
            verify.check_hostname = False  # LND's cert names the node's hosts, not how we reach it
        self._http = httpx.AsyncClient(base_url=url.rstrip("/"), headers={"Grpc-Metadata-macaroon": macaroon_hex},
                                       verify=verify, timeout=timeout, transport=transport)

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
                    timeout: float | None = None) -> httpx.Response:
        try:
            extra = {"timeout": timeout} if timeout is not None else {}
            response = await self._http.request(method, path, json=body, **extra)
        except httpx.TimeoutException:
            raise BackendUnavailable("node_timeout", "The Lightning node did not answer in time.") from None
        except httpx.HTTPError as exc:
            raise BackendUnavailable("node_unreachable", f"The Lightning node is unreachable ({type(exc).__name__}).") from None
        if response.status_code >= 500:
            raise BackendUnavailable("node_error", f"The Lightning node answered HTTP {response.status_code}.")
        return response

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            raise BackendUnavailable("node_bad_response", "The Lightning node's answer is not JSON.") from None
        if response.status_code >= 400 or not isinstance(data, dict):
            message = data.get("message") if isinstance(data, dict) else None
            raise BackendUnavailable("node_refused", f"The Lightning node refused the call: {message or response.status_code}")
        return data

    async def create_invoice(self, amount_msat: int, memo: str, expiry_seconds: int) -> CreatedInvoice:
        import time

        data = self._json(await self._call("POST", "/v1/invoices", {
            "value_msat": str(amount_msat), "memo": memo, "expiry": str(expiry_seconds)}))
        payment_hash = _b64_to_hex(data.get("r_hash"))
        if not payment_hash or not data.get("payment_request"):
            raise BackendUnavailable("node_bad_response", "The node's invoice lacks r_hash or payment_request.")
        return CreatedInvoice(data["payment_request"], payment_hash, amount_msat, int(time.time()) + expiry_seconds)

    async def lookup_invoice(self, payment_hash: str) -> InvoiceState:
        data = self._json(await self._call("GET", f"/v1/invoice/{payment_hash}"))
        return InvoiceState(payment_hash, data.get("state") == "SETTLED" or bool(data.get("settled")),
                            int(data.get("amt_paid_msat") or 0), str(data.get("state") or "OPEN"))

    async def pay_invoice(self, payment_request: str, *, amount_msat: int, fee_limit_msat: int,
                          timeout_seconds: int) -> PaymentResult:
        # LND gives up on the payment within timeout_seconds; we wait a little longer than that, but
        # never past the configured HTTP timeout (then the payment is reported unknown/in flight).
        timeout_seconds = max(1, min(timeout_seconds, int(self._timeout) - 1))
        body = {"payment_request": payment_request, "fee_limit_msat": str(fee_limit_msat),
                "timeout_seconds": timeout_seconds, "no_inflight_updates": True}
        response = await self._call("POST", "/v2/router/send", body, timeout=self._timeout)
        final: dict[str, Any] | None = None
        for line in response.text.splitlines():
            if not line.strip():
                continue
            try:
                message = json.loads(line)
            except ValueError:
                raise BackendUnavailable("node_bad_response", "The node's payment stream is not JSON.") from None
            if "error" in message:
                error = message["error"] or {}
                text = str(error.get("message", "")).lower()
                if "already paid" in text or "already exists" in text:
                    return PaymentResult("failed", "", failure_reason="already_paid")
                if "invoice expired" in text:
                    return PaymentResult("failed", "", failure_reason="invoice_expired")
                raise BackendUnavailable("node_refused", "The node refused the payment.")
            final = message.get("result", message)
        if response.status_code >= 400 and final is None:
            self._json(response)
        if final is None:
            raise BackendUnavailable("node_bad_response", "The node's payment stream ended without a result.")
        return self._payment(final)

    def _payment(self, final: dict[str, Any]) -> PaymentResult:
        status = final.get("status")
        payment_hash = str(final.get("payment_hash") or "")
        if status == "SUCCEEDED":
            return PaymentResult("succeeded", payment_hash, preimage=final.get("payment_preimage"),
                                 fee_msat=int(final.get("fee_msat") or 0))
        if status == "FAILED":
            return PaymentResult("failed", payment_hash,
                                 failure_reason=FAILURE_REASONS.get(str(final.get("failure_reason")), "error"))
        return PaymentResult("in_flight", payment_hash)

    async def lookup_payment(self, payment_hash: str) -> PaymentResult | None:
        encoded = base64.urlsafe_b64encode(bytes.fromhex(payment_hash)).decode()
        try:
            response = await self._call("GET", f"/v2/router/track/{encoded}?no_inflight_updates=true",
                                        timeout=min(self._timeout, 5.0))
        except BackendUnavailable as exc:
            if exc.reason == "node_timeout":  # still moving: the stream waits for a final state
                return PaymentResult("in_flight", payment_hash)
            raise
        for line in response.text.splitlines():
            if not line.strip():
                continue
            message = json.loads(line)
            if "error" in message or "code" in message:
                error = message.get("error", message) or {}
                if error.get("code") == 5 or "not initiated" in str(error.get("message", "")) \
                        or "isn't initiated" in str(error.get("message", "")):
                    return None
                raise BackendUnavailable("node_refused", "The node refused the payment lookup.")
            return self._payment(message.get("result", message))
        if response.status_code == 404:
            return None
        raise BackendUnavailable("node_bad_response", "The node's payment lookup ended without a result.")

    async def channel_balance_msat(self) -> int:
        data = self._json(await self._call("GET", "/v1/balance/channels"))
        local = data.get("local_balance") or {}
        return int(local.get("msat") or 0)

    async def close(self) -> None:
        await self._http.aclose()
