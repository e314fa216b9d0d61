"""Faults that a real QuestDB cannot be made to show, on a local port, for the spool tests.

Everything a QuestDB answers is tested against the real server (the ``questdb_server``
fixture); this only adds what it will not do on demand. Modes (``mode`` may change while
it runs): ``"500"`` every request fails; ``"hang"`` nothing answers in time; ``"ilp-down"``
ILP writes (``/write``) fail with 500 while every other request is forwarded to the real
server ``upstream``; ``"pass"`` everything is forwarded. Requests are recorded.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HOP_BY_HOP = {"host", "connection", "keep-alive", "transfer-encoding", "content-length"}


class FaultyQuestDB:
    def __init__(self, mode: str, upstream: str | None = None) -> None:
        if mode in ("ilp-down", "pass") and upstream is None:
            raise ValueError(f"mode {mode!r} forwards to a real QuestDB: pass upstream")
        self.mode = mode
        self.upstream = urlsplit(upstream) if upstream else None
        self.requests: list[str] = []
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes]:
        """(status, content type, body) for one request."""
        if self.mode == "500" or (
            self.mode == "ilp-down" and urlsplit(path).path.endswith("/write")
        ):
            error = {"code": "internal error", "message": "injected failure"}
            return 500, "application/json", json.dumps(error).encode()
        assert self.upstream is not None
        conn = http.client.HTTPConnection(
            self.upstream.hostname or "127.0.0.1", self.upstream.port or 9000, timeout=30
        )
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            kind = response.getheader("Content-Type", "application/json")
            return response.status, kind, response.read()
        finally:
            conn.close()


class _Handler(BaseHTTPRequestHandler):
    fake: FaultyQuestDB
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        self.fake.requests.append(f"{self.command} {urlsplit(self.path).path}")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.fake.mode == "hang":
            time.sleep(5)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        status, kind, data = self.fake.answer(self.command, self.path, headers, body)
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = _handle
    do_POST = _handle
