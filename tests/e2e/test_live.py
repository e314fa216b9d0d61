"""`liquidity serve` with its clock moved to just before an H.4.1 release (``faketime``):
the replay server flips to the new observation inside the window, and the value reaches
the Redis Stream within the issue's bound (45 s, its 95th percentile target)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from liquidity import clock
from tests.support.daemon import daemon_env, metric, samples, stop, wait_for
from tests.support.real_clock import real_clock_env
from tests.support.redis_server import delete_prefix, shared_redis_or_skip, unique_prefix
from tests.support.replay import GOOD_KEYS, ReplayServer

H41 = ("WALCL", "WLRRAL", "WDTGAL", "WTREGEN")
NEW = "2025-11-12"  # the newest H.4.1 Wednesday in the fixtures (fredgraph.csv)
RELEASE = datetime(2025, 11, 13, 21, 30, tzinfo=UTC)  # Thursday 16:30 New York (EST)
START = RELEASE - timedelta(seconds=40)  # the daemon's clock at its start
FLIP_AFTER = 45.0  # seconds after the start: 5 s past the expected instant
BOUND = 45.0


def _libfaketime() -> Path:
    found = sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))
    if not found:
        pytest.fail("libfaketime is missing: apt-get install faketime (the Makefile does)")
    return found[0]


def _delays(port: int) -> float | None:
    return metric(samples(port), "liquidity_release_delay_seconds_count", series="WALCL")


def _stream_dates(url: str, prefix: str, series: str) -> list[str]:
    import redis

    client = redis.Redis.from_url(url)
    try:
        entries = client.xrange(f"{prefix}:stream:{series}")
    finally:
        client.close()
    return [json.loads(fields[b"data"])["date"] for _, fields in entries]


def test_a_release_flipped_in_the_window_reaches_the_stream_within_the_bound(
    replay: ReplayServer, tmp_path: Path
) -> None:
    lib = _libfaketime()
    url, prefix = shared_redis_or_skip(), unique_prefix()
    env = daemon_env(
        replay,
        tmp_path / "live.duckdb",
        LIQUIDITY_FRED_API_KEY=next(iter(GOOD_KEYS)),
        LIQUIDITY_REDIS_URL=url,
        LIQUIDITY_REDIS_PREFIX=prefix,
        LIQUIDITY_FRED_REQUESTS_PER_SECOND="2",
        LIQUIDITY_FRED_REQUESTS_PER_MINUTE="120",
    )
    env = real_clock_env(env)  # the daemon gets its own moved clock, not the suite's
    env["LIQUIDITY_SERVE_INTERVAL"] = "0"  # the release schedule, live windows
    # libfaketime itself rather than the ``faketime`` wrapper, so SIGTERM reaches the daemon.
    env.update(TZ="UTC", LD_PRELOAD=str(lib), FAKETIME=f"@{START:%Y-%m-%d %H:%M:%S}")
    port = int(env["LIQUIDITY_METRICS_PORT"])
    # The replay's clock is the daemon's: the same instant START at the spawn.
    replay.data.offset = START - clock.now()
    flip_at = START + timedelta(seconds=FLIP_AFTER)
    for sid in H41:
        replay.flip(sid, NEW, flip_at)
    spawned = time.monotonic()
    with Path(env["LOG"]).open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "liquidity", "-v", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        wait_for(lambda: NEW in _stream_dates(url, prefix, "WALCL"), FLIP_AFTER + 90)
        seen = time.monotonic() - spawned
        delay = seen - FLIP_AFTER
        print(f"flip -> XADD seen by the test: {delay:.1f} s")
        assert -1.0 < delay <= BOUND, (delay, Path(env["LOG"]).read_text()[-3000:])
        # The daemon observes the delay once its collect returned (just after the XADD).
        wait_for(lambda: _delays(port) == 1.0, 10)
        values = samples(port)
        total = metric(values, "liquidity_release_delay_seconds_sum", series="WALCL")
        assert total is not None and 0 <= total <= BOUND
        assert 429 not in replay.statuses
        polls = metric(values, "liquidity_requests_today", source="fred", kind="poll")
        assert polls is not None and polls >= 1
    finally:
        assert stop(proc) == 0
        delete_prefix(url, prefix)
