"""A local upstream HTTP service for paywall proxy tests (real sockets, its own thread): it echoes
what it received, and has paths that are slow, too large, set cookies or fail."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


class Upstream:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def _body(self) -> bytes:
                if self.headers.get("transfer-encoding", "").lower() == "chunked":
                    data = bytearray()
                    while True:
                        size = int(self.rfile.readline().strip() or b"0", 16)
                        if size == 0:
                            self.rfile.readline()
                            return bytes(data)
                        data += self.rfile.read(size)
                        self.rfile.readline()
                length = int(self.headers.get("content-length") or 0)
                return self.rfile.read(length) if length else b""

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in {"content-type": "application/json", "content-length": str(len(body)),
                                    **(headers or {})}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _handle(self) -> None:
                try:
                    self._answer()
                except (BrokenPipeError, ConnectionResetError):  # the proxy gave up (timeouts, limits)
                    self.close_connection = True

            def _answer(self) -> None:
                path = urlsplit(self.path).path
                body = self._body()
                seen = {"method": self.command, "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body.decode("latin-1")}
                upstream.received.append(seen)
                if path.endswith("/slow"):
                    time.sleep(3)
                    self._send(200, b'{"late": true}')
                elif path.endswith("/big"):
                    self._send(200, b"x" * 5000)
                elif path.endswith("/stream-big"):
                    self.send_response(200)
                    self.send_header("content-type", "text/plain")
                    self.send_header("transfer-encoding", "chunked")
                    self.end_headers()
                    for _ in range(10):
                        self.wfile.write(b"3e8\r\n" + b"y" * 1000 + b"\r\n")
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                elif path.endswith("/stream"):
                    self.send_response(200)
                    self.send_header("content-type", "text/plain")
                    self.send_header("transfer-encoding", "chunked")
                    self.end_headers()
                    for i in range(5):
                        chunk = f"part {i}\n".encode()
                        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                        self.wfile.flush()
                        time.sleep(0.05)
                    self.wfile.write(b"0\r\n\r\n")
                elif path.endswith("/cookie"):
                    self._send(200, b'{"ok": true}', {"set-cookie": "oa_session=evil; Path=/", "x-upstream": "yes",
                                                      "connection": "x-hop", "x-hop": "secret", "keep-alive": "timeout=5"})
                elif path.endswith("/fail"):
                    self._send(500, b'{"upstream": "broke"}')
                else:
                    self._send(200, json.dumps(seen).encode())

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Upstream:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
