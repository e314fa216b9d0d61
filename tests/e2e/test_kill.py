"""A collect killed with SIGKILL at any point, then run again: no duplicates, no gaps."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from tests.support.cli import cli_env, run_cli
from tests.support.replay import ReplayServer
from tests.support.settings import API_KEY


def snapshot(db: Path) -> tuple[int, int, set[tuple[object, ...]]]:
    with duckdb.connect(str(db), read_only=True) as con:
        total, distinct = con.execute(
            "SELECT count(*), count(DISTINCT (series_id, date, realtime_start)) FROM observations"
        ).fetchall()[0]
        rows = set(con.execute("SELECT series_id, date, value FROM observations").fetchall())
    return total, distinct, rows


def start_collect(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "liquidity", "collect"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_kill_9_mid_collect_then_rerun(tmp_path: Path) -> None:
    # Slow requests spread the run out so that each kill lands mid-collect.
    server = ReplayServer(latency=0.15).start()
    try:
        extra = {"LIQUIDITY_FRED_API_KEY": API_KEY, "LIQUIDITY_FRED_REQUESTS_PER_SECOND": "8"}
        reference = tmp_path / "reference.duckdb"
        assert run_cli(["collect"], cli_env(server, reference, **extra)).returncode == 0
        _, _, want = snapshot(reference)

        victim = tmp_path / "victim.duckdb"
        env = cli_env(server, victim, **extra)
        partial_seen = False
        for kill_after in (3, 9, 15):
            server.reset_counts()
            proc = start_collect(env)
            deadline = time.monotonic() + 30
            while server.count() < kill_after and proc.poll() is None:
                assert time.monotonic() < deadline, "collect never reached the kill point"
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            if victim.exists():
                total, distinct, rows = snapshot(victim)
                assert total == distinct
                assert rows <= want  # nothing that the source did not serve
                partial_seen |= len(rows) < len(want)
        assert partial_seen, "no kill landed mid-collect; the test proved nothing"

        assert run_cli(["collect"], env).returncode == 0
        total, distinct, rows = snapshot(victim)
        assert total == distinct
        assert rows == want
    finally:
        server.stop()
