"""Keyless FRED: one bad id among many never takes the good ones down.

The multi-id ``fredgraph.csv`` request is split (halves, then single ids) only when it
fails with a 4xx or answers without a requested column; the normal case stays one request.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from liquidity.catalog.active import get, series_for_source
from liquidity.compose import collect_config
from liquidity.config import Settings
from liquidity.pipeline import collect
from liquidity.sources.base import FetchRequest
from liquidity.sources.fred_csv import transform
from liquidity.storage.duckdb import DuckDBStore
from tests.support.cli import cli_env, run_cli
from tests.support.replay import ReplayServer

FRED_IDS = [spec.id for spec in series_for_source("fred")]
GRAPH = "/fredgraph.csv"


def graph_ids(replay: ReplayServer) -> list[list[str]]:
    return [q["id"][0].split(",") for p, q in replay.requests if p.endswith(GRAPH)]


async def test_normal_case_is_one_request(
    settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    report = await collect(collect_config(settings), memory_store, FRED_IDS)
    assert report.failures == []
    assert graph_ids(replay) == [[get(s).symbol for s in FRED_IDS]]


async def test_unknown_id_404_splits_and_names_only_it(
    settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    replay.data.csv["WLRRAL"] = []  # the replay server answers 404 for a request naming it
    report = await collect(collect_config(settings), memory_store, FRED_IDS)

    assert [s.series_id for s in report.failures] == ["WLRRAL"]
    (failure,) = report.failures
    assert failure.error is not None and failure.error.startswith("fred_csv: WLRRAL: HTTP 404")
    for sid in FRED_IDS:
        assert bool(memory_store.read(sid)) is (sid != "WLRRAL"), sid
    asked = graph_ids(replay)
    assert ["WLRRAL"] in asked  # asked alone in the end
    # Halving: each level asks at most two groups, so about 2*log2(9) requests, not 9.
    assert 2 < len(asked) <= 9


async def test_absent_column_is_asked_again_without_losing_the_rest(
    settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    # Once, fredgraph answers 200 with only WALCL's column: the other ids are asked again.
    body = b"observation_date,WALCL\n2025-11-05,6587034\n2025-11-12,6580462\n"
    replay.fail(GRAPH, status=200, body=body, times=1)
    report = await collect(collect_config(settings), memory_store, FRED_IDS)

    assert report.failures == []
    asked = graph_ids(replay)
    assert len(asked) == 2 and sorted(asked[1]) == sorted(s for s in asked[0] if s != "WALCL")
    assert {o.date for o in memory_store.read("WALCL")} == {date(2025, 11, 5), date(2025, 11, 12)}
    assert all(memory_store.read(sid) for sid in FRED_IDS)


def test_transform_reports_absent_columns() -> None:
    requests = [FetchRequest(get(s), date(2025, 1, 1)) for s in ("WALCL", "DGS2")]
    text = "observation_date,WALCL\n2025-11-12,6580462\n"
    results, absent = transform(text, requests, datetime(2025, 11, 14, tzinfo=UTC))
    assert [r.series_id for r in results] == ["WALCL"] and absent == [requests[1]]
    assert results[0].observations[0].value == 6580462.0


def test_cli_keyless_unknown_id_stores_the_other_eight(
    replay: ReplayServer, tmp_path: Path
) -> None:
    replay.data.csv["WDTGAL"] = []
    db = tmp_path / "k.duckdb"
    env = cli_env(replay, db)
    done = run_cli(["collect", *FRED_IDS], env)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "WDTGAL" in errors[0], done.stderr
    assert not any(sid in errors[0] for sid in FRED_IDS if sid != "WDTGAL")
    store = DuckDBStore(db)
    try:
        assert [sid for sid in FRED_IDS if not store.read(sid)] == ["WDTGAL"]
    finally:
        store.close()
