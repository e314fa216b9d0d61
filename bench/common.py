"""What every benchmark shares: repeated timings, child processes with their peak RSS,
the replay server, and the floor that the rate limit and latency set."""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# A child's peak RSS (``ru_maxrss``) starts at the RSS of the process it was forked from:
# Linux keeps the high-water mark across exec. Children of this (soon large) process would
# all show its size, so they are started by a small launcher, started now while we are small.
LAUNCHER = r"""
import json, os, subprocess, sys, time
for line in sys.stdin:
    job = json.loads(line)
    with open(job["out"], "wb") as out, open(job["err"], "wb") as err:
        began = time.perf_counter()
        proc = subprocess.Popen(job["args"], env=job["env"], stdout=out, stderr=err,
                                cwd=job["cwd"])
        deadline = began + job["timeout"]
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
            time.sleep(0.005)
        wall = time.perf_counter() - began
    print(json.dumps([os.waitstatus_to_exitcode(status), wall, usage.ru_maxrss]), flush=True)
"""
_launcher = subprocess.Popen(
    [sys.executable, "-c", LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
)

# The same replay server the test suite uses (run as ``python -m bench.run`` from the root).
from tests.support.replay import GOOD_KEYS, ReplayServer  # noqa: E402

API_KEY = next(iter(GOOD_KEYS))
FRED_IDS = [
    "WALCL",
    "WLRRAL",
    "WDTGAL",
    "WTREGEN",
    "RRPONTSYD",
    "DGS10",
    "DGS2",
    "BAMLH0A0HYM2",
    "VIXCLS",
]
LATENCY = float(os.environ.get("BENCH_LATENCY", "0.05"))
RATE = 2.0  # FRED's requests a second per key
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


@dataclass
class Stat:
    """Median, min and max of repeated measurements."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else math.nan

    def fmt(self, unit: str = "", digits: int = 2) -> str:
        if not self.values:
            return "n/a"
        med, lo, hi = self.median, min(self.values), max(self.values)
        if lo == hi:
            return f"{med:.{digits}f}{unit}"
        return f"{med:.{digits}f}{unit} ({lo:.{digits}f}–{hi:.{digits}f})"


@dataclass
class Child:
    returncode: int
    wall: float
    max_rss_mb: float
    stdout: str
    stderr: str


def run_child(
    args: Sequence[str], env: dict[str, str] | None = None, timeout: float = 600
) -> Child:
    """Run a process to its end (through the launcher): wall time, and its own peak RSS."""
    assert _launcher.stdin is not None and _launcher.stdout is not None
    with tempfile.TemporaryDirectory() as tmp:
        out, err = Path(tmp) / "out", Path(tmp) / "err"
        job = {
            "args": list(args),
            "env": dict(os.environ if env is None else env),
            "cwd": str(ROOT),
            "timeout": timeout,
            "out": str(out),
            "err": str(err),
        }
        _launcher.stdin.write(json.dumps(job) + "\n")
        _launcher.stdin.flush()
        code, wall, max_rss_kb = json.loads(_launcher.stdout.readline())
        return Child(code, wall, max_rss_kb / 1024, out.read_text(), err.read_text())


def floor_seconds(requests: int, rate: float = RATE, latency: float = LATENCY) -> float:
    """Fastest possible: ``rate`` requests in each 1 s window, the last one's round trip."""
    if requests <= 0:
        return 0.0
    return (math.ceil(requests / rate) - 1) + latency


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIQUIDITY_", "FRED_"))}
    env.update(extra)
    return env


def start_server(latency: float = LATENCY, rate_limit: float | None = RATE) -> ReplayServer:
    return ReplayServer(latency=latency, rate_limit=rate_limit).start()


def served_rows(server: ReplayServer, keyless: bool) -> int:
    """Non-missing values the server holds for the nine series (what a full collect gets)."""
    data = server.data
    if keyless:
        return sum(1 for sid in FRED_IDS for _, v in data.csv_rows(sid) if v.strip())
    return sum(1 for sid in FRED_IDS for _, v in data.api_rows(sid) if v.strip() not in {"", "."})


# Each goal of the benchmark, met or not, one line each (the top of RESULTS.md).
GOALS: list[str] = []


def goal(
    what: str, measured: float, target: float, shown: str, *, at_least: bool = False, why: str = ""
) -> str:
    """``what``: met, or NOT met with the figure measured (``shown``) and, when given,
    ``why`` (where the time or memory went, measured, and what would close the gap)."""
    ok = measured >= target if at_least else measured <= target
    line = f"- {what}: {'met' if ok else 'NOT met'} ({shown})"
    return line if ok or not why else f"{line}. Why: {why}"
