"""Running `liquidity serve` in a subprocess and talking to it: start, wait, read metrics, stop."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.support.cli import cli_env
from tests.support.redis_server import free_port
from tests.support.replay import ReplayServer


def start_daemon(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The daemon, its log going to the file named by env["LOG"]."""
    with Path(env["LOG"]).open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "liquidity", "-v", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def daemon_env(replay: ReplayServer, db: Path, **extra: str) -> dict[str, str]:
    port = free_port()
    return cli_env(
        replay,
        db,
        LIQUIDITY_METRICS_PORT=str(port),
        LIQUIDITY_SERVE_INTERVAL="1",
        LIQUIDITY_SERVE_SNAPSHOT_INTERVAL="0.5",
        LOG=str(db.with_suffix(".log")),
        **extra,
    )


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def samples(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, text = get(port, "/metrics")
    if status != 200:
        return {}
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def metric(values: dict[Any, float], name: str, **labels: str) -> float | None:
    return values.get((name, tuple(sorted(labels.items()))))


def jobs(port: int) -> int:
    status, body = get(port, "/readyz")
    return int(json.loads(body)["jobs_run"]) if status in (200, 503) else -1


def stop(proc: subprocess.Popen[bytes], timeout: float = 15.0) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=timeout)


class Webhook:
    """Stands in for Discord: records messages; answers the first post with a 429."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.posts = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.posts += 1
                if outer.posts == 1:
                    data = b'{"message": "You are being rate limited.", "retry_after": 0.3}'
                    self.send_response(429)
                else:
                    outer.messages.append(json.loads(body)["content"])
                    data = b""
                    self.send_response(204)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/api/webhooks/1/secret-token"
