"""`liquidity serve` in subprocesses: metrics, health, SIGTERM, alerts, failover."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.support.daemon import (
    Webhook,
    daemon_env,
    get,
    jobs,
    metric,
    samples,
    start_daemon,
    stop,
    wait_for,
)
from tests.support.redis_server import delete_prefix, shared_redis_or_skip, unique_prefix
from tests.support.replay import ReplayServer


def test_metrics_health_and_clean_sigterm(replay: ReplayServer, tmp_path: Path) -> None:
    env = daemon_env(replay, tmp_path / "d.duckdb")
    port = int(env["LIQUIDITY_METRICS_PORT"])
    proc = start_daemon(env)
    try:
        wait_for(lambda: jobs(port) >= 3)
        assert get(port, "/healthz") == (200, '{"status": "ok"}')
        values = samples(port)
        assert metric(values, "liquidity_rows_written_total", series="WALCL", kind="new") == 985
        assert (metric(values, "liquidity_requests_total", source="fred", status="200") or 0) >= 1
        assert metric(values, "liquidity_store_up") == 1.0
        assert metric(values, "liquidity_active_collector") == 1.0
        assert metric(values, "liquidity_breaker_open", source="fred") == 0.0
        fetches = metric(values, "liquidity_fetch_duration_seconds_count", source="fred") or 0
        assert fetches >= metric(values, "liquidity_requests_total", source="fred", status="200")
        # The fixtures end in 2025-2026: against today's calendar every series is late.
        assert metric(values, "liquidity_series_overdue", series="WALCL") == 1.0
        last = metric(values, "liquidity_series_last_date_timestamp_seconds", series="WALCL")
        assert last == 1762905600.0  # 2025-11-12, the newest WALCL in the fixture
        status, body = get(port, "/readyz")
        assert status == 503 and "WALCL overdue" in json.loads(body)["reasons"]
    finally:
        code = stop(proc)
    assert code == 0
    log = Path(env["LOG"]).read_text()
    assert "Traceback" not in log and "stopping: finishing the collect in progress" in log


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.httpd.shutdown()
    hook.httpd.server_close()


def test_outage_gives_one_alert_and_one_recovery(
    replay: ReplayServer, tmp_path: Path, webhook: Webhook
) -> None:
    env = daemon_env(
        replay,
        tmp_path / "a.duckdb",
        LIQUIDITY_DISCORD_WEBHOOK_URL=webhook.url,
        LIQUIDITY_OVERDUE_GRACE="1e12",
        LIQUIDITY_BREAKER_THRESHOLD="1000",
        LIQUIDITY_RETRY_ATTEMPTS="1",
    )
    port = int(env["LIQUIDITY_METRICS_PORT"])
    fault = replay.fail("/fredgraph.csv", status=503, times=-1)
    proc = start_daemon(env)
    try:
        wait_for(lambda: jobs(port) >= 8)  # several failing FRED jobs
        replay.faults.remove(fault)
        before = jobs(port)
        wait_for(lambda: jobs(port) >= before + 8)  # several good ones
    finally:
        assert stop(proc) == 0
    fred = [m for m in webhook.messages if "fred failing" in m]
    assert len(fred) == 2, webhook.messages
    assert fred[0].startswith("🔴 fred failing for ")
    assert fred[1].startswith("🟢 recovered: fred failing for ")
    assert webhook.posts == len(webhook.messages) + 1  # the 429 was retried once, not dropped
    assert "secret-token" not in Path(env["LOG"]).read_text()


def test_standby_takes_over_when_the_active_daemon_dies(
    replay: ReplayServer, tmp_path: Path
) -> None:
    url, prefix = shared_redis_or_skip(), unique_prefix()
    extra = {
        "LIQUIDITY_REDIS_URL": url,
        "LIQUIDITY_REDIS_PREFIX": prefix,
        "LIQUIDITY_LEASE_TTL": "2",
    }
    a_env = daemon_env(replay, tmp_path / "a.duckdb", **extra)
    b_env = daemon_env(replay, tmp_path / "b.duckdb", **extra)
    a_port, b_port = int(a_env["LIQUIDITY_METRICS_PORT"]), int(b_env["LIQUIDITY_METRICS_PORT"])
    a = start_daemon(a_env)
    try:
        wait_for(lambda: jobs(a_port) >= 2)  # a holds the lease and collects
        b = start_daemon(b_env)
        try:
            wait_for(lambda: jobs(b_port) == 0)  # b is up
            for _ in range(20):  # never both active
                active = [
                    metric(samples(p), "liquidity_active_collector") for p in (a_port, b_port)
                ]
                assert active.count(1.0) == 1, active
                time.sleep(0.1)
            assert jobs(b_port) == 0
            a.send_signal(signal.SIGKILL)
            a.wait()
            killed_at = time.monotonic()
            wait_for(lambda: metric(samples(b_port), "liquidity_active_collector") == 1.0, 10)
            assert time.monotonic() - killed_at < 2 + 2 / 3 + 2  # TTL + one poll + slack
            wait_for(lambda: jobs(b_port) >= 2)  # and it collects
        finally:
            assert stop(b) == 0
    finally:
        if a.poll() is None:
            a.kill()
        delete_prefix(url, prefix)


def test_sigterm_without_redis_finishes_the_catch_up_collect(
    replay: ReplayServer, tmp_path: Path
) -> None:
    db = tmp_path / "t.duckdb"
    env = daemon_env(replay, db)
    env["LIQUIDITY_SERVE_INTERVAL"] = "0"  # release-aware: only the catch-up collect runs now
    replay.latency = 1.0  # every answer takes a second: the collect is in progress for a while
    proc = start_daemon(env)
    try:
        wait_for(lambda: replay.count() > 0, timeout=30)  # the catch-up collect has started
    finally:
        code = stop(proc, timeout=30)
    assert code == 0
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("SELECT count(DISTINCT series_id) FROM observations").fetchall()
    assert stored[0][0] >= 9, Path(env["LOG"]).read_text()[-2000:]
