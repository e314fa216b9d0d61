"""Every secret setting gets a unique value; collect, serve, error paths and -vv run; none
of the values appears in stdout, stderr, daemon logs, metrics, readiness, stored errors,
Redis messages or alerts."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import redis

from tests.support.cli import cli_env, run_cli
from tests.support.daemon import Webhook, get, jobs, start_daemon, stop, wait_for
from tests.support.real_clock import real_clock_env
from tests.support.redis_server import free_port
from tests.support.replay import ReplayServer


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[tuple[int, str]]:
    """A redis-server of our own that requires a password (the secret under test)."""
    password, port = f"redispw-{uuid.uuid4().hex}", free_port()
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed"
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--requirepass",
            password,
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=real_clock_env(),
    )
    client = redis.Redis(port=port, password=password)
    try:
        wait_for(lambda: _pings(client), timeout=10)
        yield port, password
    finally:
        client.close()
        proc.kill()
        proc.wait()


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def test_no_secret_reaches_any_output(
    replay: ReplayServer, tmp_path: Path, private_redis: tuple[int, str]
) -> None:
    port, redis_password = private_redis
    fred_key = f"fredkey{uuid.uuid4().hex}"[:32]
    replay.keys.add(fred_key)
    webhook = Webhook()
    token = webhook.url.rsplit("/", 1)[-1]
    questdb_password = f"questpw-{uuid.uuid4().hex}"
    secrets = [fred_key, redis_password, token, questdb_password]
    db = tmp_path / "s.duckdb"
    env = cli_env(
        replay,
        db,
        LIQUIDITY_FRED_API_KEY=fred_key,
        LIQUIDITY_REDIS_URL=f"redis://:{redis_password}@127.0.0.1:{port}/0",
        LIQUIDITY_DISCORD_WEBHOOK_URL=webhook.url,
        LIQUIDITY_QUESTDB_USER="admin",
        LIQUIDITY_QUESTDB_PASSWORD=questdb_password,
        LIQUIDITY_RETRY_ATTEMPTS="1",
        LIQUIDITY_OVERDUE_GRACE="1e12",
    )
    seen: list[str] = []
    try:
        # 1. collect at -vv, publishing to Redis (httpx's own URL logs included at -vvv).
        for flags in (["-vv"], ["-vvv"]):
            done = run_cli([*flags, "collect", "WALCL", "DGS10"], env)
            assert done.returncode == 0, done.stderr
            seen += [done.stdout, done.stderr]
        # 2. error paths: a FRED outage, a wrong Redis password, QuestDB refusing.
        outage = replay.fail("/fred/", status=500, times=-1)
        failing = run_cli(["-vv", "collect", "WALCL"], env)
        assert failing.returncode == 1
        replay.faults.remove(outage)
        wrong_redis = {
            **env,
            "LIQUIDITY_REDIS_URL": f"redis://:{redis_password}x@127.0.0.1:{port}/0",
        }
        published = run_cli(["-vv", "collect", "DGS2"], wrong_redis)
        assert "AuthenticationError" in published.stderr  # Redis refused, and it says so
        quest = {
            **env,
            "LIQUIDITY_STORE": "questdb",
            "LIQUIDITY_QUESTDB_HTTP_PORT": str(free_port()),
            "LIQUIDITY_QUESTDB_RETRY_TIMEOUT": "0",
            "LIQUIDITY_SPOOL_PATH": str(tmp_path / "q.db"),
        }
        spooled = run_cli(["-vv", "db", "flush-spool"], quest)
        seen += [
            failing.stdout,
            failing.stderr,
            published.stdout,
            published.stderr,
            spooled.stdout,
            spooled.stderr,
        ]
        # 3. serve briefly, alerting through the webhook during an outage.
        replay.fail("/fred/", status=500, times=-1)
        serve_env = {
            **env,
            "LIQUIDITY_METRICS_PORT": str(free_port()),
            "LIQUIDITY_SERVE_INTERVAL": "1",
            "LOG": str(tmp_path / "serve.log"),
            "LIQUIDITY_LEASE_TTL": "2",
        }
        metrics_port = int(serve_env["LIQUIDITY_METRICS_PORT"])
        proc = start_daemon(serve_env)
        try:
            wait_for(lambda: jobs(metrics_port) >= 3)
            wait_for(lambda: any("fred failing" in m for m in webhook.messages))
            seen += [get(metrics_port, "/metrics")[1], get(metrics_port, "/readyz")[1]]
        finally:
            assert stop(proc) == 0
        seen.append(Path(serve_env["LOG"]).read_text())
        seen += webhook.messages
        # 4. what was stored and published.
        with duckdb.connect(str(db), read_only=True) as con:
            seen += [str(r) for r in con.execute("SELECT * FROM fetch_state").fetchall()]
        client = redis.Redis(port=port, password=redis_password)
        try:
            for key in client.scan_iter(match="liquidity:*"):
                kind = client.type(key)
                if kind == b"stream":
                    seen += [str(e) for e in client.xrange(key)]
                elif kind == b"hash":
                    seen += [str(v) for v in client.hgetall(key).values()]
            assert client.hlen("liquidity:last") >= 2  # WALCL and DGS10 were published
        finally:
            client.close()
    finally:
        webhook.httpd.shutdown()
        webhook.httpd.server_close()
    everything = "\n".join(seen)
    assert "fred failing" in everything  # the alert path really ran
    for secret in secrets:
        assert secret not in everything, f"a secret leaked ({secrets.index(secret)})"
