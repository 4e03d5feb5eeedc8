"""Structured JSON logs (structlog) and the request id carried through every log line."""

from __future__ import annotations

import itertools
import logging
import re
import secrets
import sys
from contextvars import ContextVar
from time import perf_counter
from typing import Protocol

import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
#: Accept a caller's id only if it is short and printable, so it cannot forge log lines.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


#: Per-process random prefix + counter: unique ids without a syscall per request (ids are not secrets).
_ID_PREFIX = "req_" + secrets.token_hex(6)
_id_counter = itertools.count(1)


def new_request_id() -> str:
    return f"{_ID_PREFIX}{next(_id_counter):08x}"


def _add_request_id(_logger: object, _method: str, event_dict: structlog.types.EventDict) -> structlog.types.EventDict:
    """structlog processor: stamp the current request id (cheaper than bind/unbind per request)."""
    request_id = _request_id.get()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


def _stderr_logger(*_args: object) -> structlog.PrintLogger:
    return structlog.PrintLogger(sys.stderr)


def configure_logging(level: str = "info", fmt: str = "json") -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            _add_request_id,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper())),
        # sys.stderr as it is when a line is written, not when logging was configured: under pytest
        # the stream of the test that configured it is closed by the time a later test logs.
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,  # re-configurable (tests, CLI); logging is off the hot path
    )


#: Scope-state key: extra response headers an inner layer asks the outermost wrapper to add, so a
#: request passes through one send wrapper, not one per layer (see web/hosting.py).
RESPONSE_HEADERS_KEY = "oa_response_headers"


def add_response_header(scope: Scope, name: bytes, value: bytes) -> None:
    """Ask ``RequestIdMiddleware`` to stamp ``name: value`` on this request's response."""
    scope.setdefault("state", {}).setdefault(RESPONSE_HEADERS_KEY, []).append((name, value))


class ResponseObserver(Protocol):
    """Told the status and duration of every HTTP response (metrics/http.py's ``HttpMetrics``)."""

    def record(self, scope: Scope, status: int, seconds: float) -> None: ...


class RequestIdMiddleware:
    """Accept or mint ``x-request-id``, bind it into logs, echo it on every response (also errors),
    together with any headers inner layers added through ``add_response_header``.

    It is also where ``observer`` (the HTTP metrics) sees each response's status: one send wrapper per
    request for both jobs, not one per layer (bench/http_baseline.py, docs/adr/0006).
    """

    def __init__(self, app: ASGIApp, observer: ResponseObserver | None = None) -> None:
        self.app = app
        self.observer = observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        observer = self.observer if kind == "http" else None
        started = perf_counter() if observer is not None else 0.0
        status = 500
        incoming = None
        for key, value in scope.get("headers", []):
            if key == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if incoming and _VALID_REQUEST_ID.match(incoming) else new_request_id()
        token = _request_id.set(request_id)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        raw_id = request_id.encode()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers") or ())
                headers.append((b"x-request-id", raw_id))
                extra = state.get(RESPONSE_HEADERS_KEY)
                if extra:
                    # A header the response already carries keeps its own value (never sent twice).
                    present = {name.lower() for name, _ in headers}
                    headers.extend(item for item in extra if item[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _request_id.reset(token)
            if observer is not None:
                observer.record(scope, status, perf_counter() - started)
