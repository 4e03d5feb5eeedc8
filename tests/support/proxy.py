"""A reverse proxy in front of a live server that can play a load balancer whose backend is down.

While ``failing`` holds a status (502, 503 or 504) every request gets that status and a short HTML
body, as nginx or a cloud load balancer answers when it cannot reach the app; otherwise requests and
responses pass through unchanged, except the response headers ``override`` sets for a path prefix
(a backend answering from another build than the one that served the page). HTTP/1.1 keep-alive towards the browser; one upstream connection per
request (simple, and good enough for a test).
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import urlsplit

#: Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded.
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                         "upgrade"})
_REASONS = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


class GatewayProxy:
    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self.upstream_host, self.upstream_port = target.hostname or "127.0.0.1", target.port or 80
        self.failing: int | None = None
        #: path prefix -> response headers replaced on the way back
        self.override: dict[str, dict[str, str]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _relay(self) -> None:
                status = proxy.failing
                if status is not None:
                    # Read the request's body first, as a real gateway does: left in the socket, a POST's
                    # body would be parsed as the next request on this keep-alive connection, and the
                    # browser would get its answer (a 501 for a GET, seen in the dead-backend e2e).
                    length = int(self.headers.get("content-length") or 0)
                    if length:
                        self.rfile.read(length)
                    body = f"<html><body><h1>{status} {_REASONS.get(status, '')}</h1></body></html>".encode()
                    self.send_response(status)
                    self.send_header("content-type", "text/html")
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                upstream = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=60)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    resp = upstream.getresponse()
                    data = resp.read()
                    self.send_response(resp.status, resp.reason)
                    head = self.command == "HEAD"  # keeps the upstream's content-length: no body follows
                    override = {name.lower(): value for prefix, headers in proxy.override.items()
                                if self.path.startswith(prefix) for name, value in headers.items()}
                    for name, value in resp.getheaders():
                        if name.lower() not in _HOP_BY_HOP and (head or name.lower() != "content-length") \
                                and name.lower() not in override:
                            self.send_header(name, value)
                    for name, value in override.items():
                        self.send_header(name, value)
                    if not head:
                        self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    if not head:
                        self.wfile.write(data)
                finally:
                    upstream.close()

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _relay

        return Handler
