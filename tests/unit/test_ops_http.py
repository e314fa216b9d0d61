"""The metrics port drops idle connections: silent clients cannot hold a thread each."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from prometheus_client import CollectorRegistry

from liquidity.serve.ops_http import ops_app, serve


def test_idle_connections_time_out_and_release_their_threads(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = ops_app(CollectorRegistry(), lambda: (True, {}))
    server = serve(app, "127.0.0.1", 0, idle_timeout=0.5)
    port = server.server_address[1]
    try:
        baseline = threading.active_count()
        silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(30)]
        for sock in silent:
            sock.settimeout(5)
            assert sock.recv(1) == b""  # the server closed it
            sock.close()
        deadline = time.monotonic() + 5
        while threading.active_count() > baseline and time.monotonic() < deadline:
            time.sleep(0.02)
        assert threading.active_count() <= baseline
        # A real scrape still works.
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
            sock.settimeout(5)
            assert sock.recv(100).startswith(b"HTTP/1.0 200")
    finally:
        server.shutdown()
        server.server_close()
    assert "Traceback" not in capsys.readouterr().err  # a timeout is routine, not an error
