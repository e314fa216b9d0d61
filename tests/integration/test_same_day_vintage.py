"""A value revised on the day it was first seen, end to end through the CLI (issue 14,
item 4): collect, the source changes a value, collect again the same day. Both values are
kept, as two vintages, on DuckDB and on the real QuestDB, and the second is published as
a revision."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from liquidity import clock
from tests.support.cli import cli_env, parse_csv, run_cli
from tests.support.questdb_env import drop_tables, questdb_settings
from tests.support.redis_server import SHARED_URL
from tests.support.replay import ReplayServer

DAY, FIRST, REVISED = "2025-11-12", 6580462.0, 6580999.0  # WALCL's last date in the fixtures


@pytest.fixture(params=["duckdb", "questdb"])
def env(
    request: pytest.FixtureRequest, replay: ReplayServer, tmp_path: Path, prefix: str
) -> Iterator[dict[str, str]]:
    """The CLI's environment for each store, publishing to Redis under a test prefix."""
    publish = {"LIQUIDITY_REDIS_URL": SHARED_URL, "LIQUIDITY_REDIS_PREFIX": prefix}
    base = cli_env(replay, tmp_path / "v.duckdb", **publish)
    if request.param == "duckdb":
        yield base
        return
    server = request.getfixturevalue("questdb_server")
    settings = questdb_settings(server, tmp_path)
    yield base | {
        "LIQUIDITY_STORE": "questdb",
        "LIQUIDITY_QUESTDB_HOST": settings.questdb_host,
        "LIQUIDITY_QUESTDB_HTTP_PORT": str(settings.questdb_http_port),
        "LIQUIDITY_QUESTDB_TABLE_PREFIX": settings.questdb_table_prefix,
        "LIQUIDITY_SPOOL_PATH": str(settings.spool_path),
    }
    drop_tables(server, settings.questdb_table_prefix)


def shown(env: dict[str, str], *options: str) -> dict[str, float]:
    done = run_cli(["show", "WALCL", "-f", "csv", "--start", "2025-10-01", *options], env)
    assert done.returncode == 0, done.stderr
    return {row["date"]: float(row["value"]) for row in parse_csv(done.stdout)}


def last_message(prefix: str) -> dict[str, object]:
    client = redis.Redis.from_url(SHARED_URL)
    try:
        [(_, fields)] = client.xrevrange(f"{prefix}:stream:WALCL", count=1)
    finally:
        client.close()
    message: dict[str, object] = json.loads(fields[b"data"])
    return message


def test_a_same_day_revision_keeps_the_first_value(
    replay: ReplayServer, env: dict[str, str], prefix: str
) -> None:
    first = run_cli(["collect", "WALCL"], env)
    assert first.returncode == 0, first.stderr
    between = clock.now()
    replay.data.revise("WALCL", DAY, "6580999")
    second = run_cli(["collect", "WALCL"], env)
    assert second.returncode == 0, second.stderr
    assert shown(env, "--as-of", between.isoformat())[DAY] == FIRST
    assert shown(env)[DAY] == REVISED
    message = last_message(prefix)
    assert (message["date"], message["value"], message["revision"]) == (DAY, REVISED, True)
    assert message["ts_event"] > int(between.timestamp()) * 1_000_000_000  # known when seen
    # The same answer again writes nothing, and the first value still reads as it was.
    third = run_cli(["collect", "WALCL"], env)
    assert third.returncode == 0, third.stderr
    assert last_message(prefix) == message
    assert shown(env, "--as-of", between.isoformat())[DAY] == FIRST
