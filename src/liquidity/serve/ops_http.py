"""The daemon's HTTP endpoint: ``/metrics`` (Prometheus), ``/healthz``, ``/readyz``.

A small WSGI app on the standard library's threading server, so scrapes never
wait on the event loop; it reads only the daemon's last snapshot.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

Readiness = Callable[[], tuple[bool, dict[str, Any]]]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # An idle connection timed out or a client went away: routine, not a traceback.
        if isinstance(sys.exc_info()[1], TimeoutError | ConnectionError):
            return
        super().handle_error(request, client_address)


# A scraper answers in milliseconds: a connection silent this long is dropped, so idle
# connections cannot pile up one thread each.
IDLE_TIMEOUT = 10.0


class _QuietHandler(WSGIRequestHandler):
    timeout = IDLE_TIMEOUT  # socket timeout per connection (StreamRequestHandler)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def ops_app(registry: CollectorRegistry, readiness: Readiness) -> Callable[..., Iterable[bytes]]:
    metrics = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _json(start_response, 200, {"status": "ok"})
        if path == "/readyz":
            ready, body = readiness()
            return _json(start_response, 200 if ready else 503, {"ready": ready, **body})
        if path in ("/metrics", "/"):
            return metrics(environ, start_response)  # type: ignore[no-any-return]
        return _json(start_response, 404, {"error": "not found"})

    return app


def _json(start_response: Callable[..., Any], status: int, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body, default=str).encode()
    reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
    start_response(
        f"{status} {reason}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]


def serve(
    app: Callable[..., Iterable[bytes]], addr: str, port: int, idle_timeout: float = IDLE_TIMEOUT
) -> WSGIServer:
    """Start serving in a daemon thread; ``shutdown()`` stops it."""
    handler = type("Handler", (_QuietHandler,), {"timeout": idle_timeout})
    server = make_server(addr, port, app, server_class=_Server, handler_class=handler)
    threading.Thread(target=server.serve_forever, name="ops-http", daemon=True).start()
    return server
