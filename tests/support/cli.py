"""Run the real ``liquidity`` command in a subprocess against the replay server."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.replay import ReplayServer

ROOT = Path(__file__).resolve().parents[2]


def cli_env(server: ReplayServer, db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIQUIDITY_")}
    env.update(server.env())
    env["LIQUIDITY_DUCKDB_PATH"] = str(db)
    env["LIQUIDITY_RETRY_INITIAL_WAIT"] = "0.01"
    env["LIQUIDITY_RETRY_MAX_WAIT"] = "1"
    env["LIQUIDITY_FRED_REQUESTS_PER_SECOND"] = "50"
    env["LIQUIDITY_FRED_REQUESTS_PER_MINUTE"] = "6000"
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def run_cli(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "liquidity", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def python_prints(code: str, env: dict[str, str] | None = None) -> str:
    """What ``code`` prints in a fresh interpreter: imports are counted from scratch."""
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@contextmanager
def collected_env(root: Path, db_name: str, series: list[str]) -> Iterator[dict[str, str]]:
    """A replay server and one ``collect`` of ``series`` (all when empty) into a DuckDB file
    under ``root``: the CLI environment for reading it, while the server runs."""
    server = ReplayServer().start()
    try:
        env = cli_env(server, root / db_name, MPLCONFIGDIR=str(root / "mpl"))
        done = run_cli(["collect", *series], env)
        assert done.returncode == 0, done.stderr
        yield env
    finally:
        server.stop()
