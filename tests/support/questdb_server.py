"""A real QuestDB 8.0.3 for tests and benchmarks: the project's shared server, started on free
loopback ports in a directory of the caller's, and stopped by the caller.

The jar and its ``start-questdb``/``stop-questdb`` scripts live in ``shared/questdb`` beside the
repository (never copied into it). The server runs on the real clock even when this process runs
under libfaketime (CI runs the suite under ``faketime -f '+400d'``): ``LD_PRELOAD`` and
``FAKETIME*`` are removed from its environment, as a JVM started under libfaketime may hang. No
pytest here: ``bench/storage.py`` starts the same server from its own venv.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from tests.support.real_clock import real_clock_env

SHARED = Path(__file__).resolve().parents[3] / "shared" / "questdb"
URL_ENV = "LIQUIDITY_TEST_QUESTDB_URL"
HOW_TO = (
    f"to run the QuestDB tests, set {URL_ENV} to any QuestDB 8.0.3 (e.g. "
    "`docker run -p 9000:9000 questdb/questdb:8.0.3`, then http://127.0.0.1:9000), or run "
    "from a clone beside shared/questdb with java 17+ on PATH"
)


@dataclass(frozen=True)
class QuestDBServer:
    """A server to test against: ``url`` is its HTTP endpoint (REST and ILP); ``pg_port`` is
    known only for a server we started (PGWire; the store itself needs only HTTP)."""

    url: str
    pg_port: int | None = None
    data_dir: Path | None = None  # set when we started it, and so must stop it


def unavailable() -> str | None:
    """Why ``start`` cannot work here, or None when it can."""
    if not (SHARED / "start-questdb").is_file():
        return f"{SHARED} not found"
    if shutil.which("java") is None:
        return "java not found"
    return None


def free_ports(count: int) -> list[int]:
    """Ports free on loopback now (all held open together, so they differ)."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]


def start(data_dir: Path, *, attempts: int = 3) -> QuestDBServer:
    """Start a server in ``data_dir`` on free ports (new ones if another process took them
    meanwhile); RuntimeError with the script's reason when it does not come up."""
    reason = unavailable()
    if reason:
        raise RuntimeError(reason)
    errors = []
    for attempt in range(attempts):
        http, pg, ilp = free_ports(3)
        env = real_clock_env() | {
            "QDB_HTTP_PORT": str(http),
            "QDB_PG_PORT": str(pg),
            "QDB_ILP_PORT": str(ilp),
        }
        where = data_dir / f"run{attempt}"
        done = subprocess.run(
            [str(SHARED / "start-questdb"), str(where)],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
        if done.returncode == 0:
            return QuestDBServer(done.stdout.strip(), pg, where)
        if (where / "questdb.pid").exists():
            stop(QuestDBServer("", None, where))
        errors.append(done.stderr.strip())
    raise RuntimeError("start-questdb failed: " + " | ".join(errors))


def stop(server: QuestDBServer) -> None:
    """Stop a server that ``start`` started; nothing for one named by the environment."""
    if server.data_dir is None:
        return
    subprocess.run(
        [str(SHARED / "stop-questdb"), str(server.data_dir)],
        env=real_clock_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
        check=False,
    )


def from_env() -> QuestDBServer | None:
    """The server named by ``LIQUIDITY_TEST_QUESTDB_URL``, if set."""
    url = os.environ.get(URL_ENV, "").strip()
    return QuestDBServer(url) if url else None
