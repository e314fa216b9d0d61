"""A local HTTP server that answers like a QuestDB in trouble, for spool tests.

Modes: ``"500"`` (every request fails), ``"hang"`` (never answers in time),
``"ilp-down"`` (``/exec`` answers like a healthy QuestDB with our tables and an
empty dataset, while ILP ``/write`` fails with 500). Requests are recorded.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from liquidity.storage.questdb import EXPECTED


def _columns(table: str) -> dict[str, Any]:
    names = ["column", "type", "indexed", "designated", "upsertKey"]
    rows = [[c, t, False, d, u] for c, (t, d, u) in EXPECTED[table].items()]
    return {"columns": [{"name": n, "type": "STRING"} for n in names], "dataset": rows}


class FakeQuestDB:
    def __init__(self, mode: str, prefix: str = "") -> None:
        self.mode = mode
        self.prefix = prefix
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

    def answer(self, path: str, query: str) -> tuple[int, dict[str, Any]]:
        if self.mode == "500" or path.startswith("/write"):
            return 500, {"code": "internal error", "message": "injected failure"}
        sql = parse_qs(query).get("query", [""])[0]
        if "tables()" in sql:
            names = [[self.prefix + t] for t in EXPECTED]
            return 200, {"columns": [{"name": "table_name", "type": "STRING"}], "dataset": names}
        if "table_columns(" in sql:
            table = sql.split("'")[1].removeprefix(self.prefix)
            return 200, _columns(table)
        return 200, {"columns": [], "dataset": [], "count": 0}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeQuestDB
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        self.fake.requests.append(f"{self.command} {parts.path}")
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.fake.mode == "hang":
            time.sleep(5)
        status, body = self.fake.answer(parts.path, parts.query)
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = _handle
    do_POST = _handle
