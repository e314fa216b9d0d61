"""An answer larger than the cap is refused while it streams: one line, nothing stored,
memory bounded by the cap (a gzip bomb counts at its decoded size)."""

from __future__ import annotations

import gzip
from pathlib import Path

from liquidity.compose import collect_config
from liquidity.pipeline import collect
from liquidity.storage.duckdb import DuckDBStore
from tests.support.cli import cli_env, run_cli
from tests.support.replay import ReplayServer
from tests.support.settings import make_settings

GRAPH = "/fredgraph.csv"
MB = 2**20


def big_csv(size: int) -> bytes:
    row = b"2020-01-01,4173626\n"
    return b"observation_date,WALCL\n" + row * (size // len(row))


async def test_declared_length_past_the_cap_is_refused(
    replay: ReplayServer, tmp_path: Path, memory_store: DuckDBStore
) -> None:
    settings = make_settings(replay, tmp_path, http_max_response_mb=1)
    replay.fail(GRAPH, status=200, body=big_csv(2 * MB), times=-1)
    report = await collect(collect_config(settings), memory_store, ["WALCL"])
    (walcl,) = report.series
    assert walcl.error is not None
    assert walcl.error.startswith("fred: answer too large (")
    assert "cap 1 MB: LIQUIDITY_HTTP_MAX_RESPONSE_MB" in walcl.error
    assert replay.count(GRAPH) == 1  # refused, not retried
    assert memory_store.read("WALCL") == []


async def test_decoded_size_counts_not_the_wire_size(
    replay: ReplayServer, tmp_path: Path, memory_store: DuckDBStore
) -> None:
    settings = make_settings(replay, tmp_path, http_max_response_mb=1)
    bomb = gzip.compress(big_csv(8 * MB))
    assert len(bomb) < MB  # small on the wire
    replay.fail(GRAPH, status=200, body=bomb, headers={"Content-Encoding": "gzip"}, times=-1)
    report = await collect(collect_config(settings), memory_store, ["WALCL"])
    error = report.series[0].error
    assert error is not None and "answer too large (over " in error


async def test_under_the_cap_a_gzip_answer_reads_normally(
    replay: ReplayServer, tmp_path: Path, memory_store: DuckDBStore
) -> None:
    settings = make_settings(replay, tmp_path, http_max_response_mb=1)
    body = gzip.compress(b"observation_date,WALCL\n2025-11-12,6580462\n")
    replay.fail(GRAPH, status=200, body=body, headers={"Content-Encoding": "gzip"}, times=1)
    report = await collect(collect_config(settings), memory_store, ["WALCL"])
    assert report.failures == []
    assert [o.value for o in memory_store.read("WALCL")] == [6580462.0]


def test_cli_one_line(replay: ReplayServer, tmp_path: Path) -> None:
    replay.fail(GRAPH, status=200, body=big_csv(50 * MB), times=-1)  # the default cap is 32 MB
    done = run_cli(["collect", "WALCL"], cli_env(replay, tmp_path / "c.duckdb"))
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "answer too large" in errors[0], done.stderr
    assert "Traceback" not in done.stderr and "unexpected" not in done.stderr
