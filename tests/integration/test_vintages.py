"""ALFRED vintages: paged backfill, release-instant known_at, no look-ahead."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from liquidity import query
from liquidity.compose import collect_config
from liquidity.config import Settings
from liquidity.models import VINTAGE_SOURCE
from liquidity.pipeline import collect
from liquidity.storage.duckdb import DuckDBStore
from liquidity.window import Window
from tests.support.cli import cli_env, parse_csv, run_cli
from tests.support.replay import ReplayServer
from tests.support.settings import API_KEY

NY = ZoneInfo("America/New_York")
DAY = date(2026, 6, 24)  # revised in the fixture: first print 6730645, then 6735645
FIRST, REVISED = 6730645.0, 6735645.0


async def test_backfill_pages_and_stamps_release_instants(
    keyed_settings: Settings, replay: ReplayServer
) -> None:
    replay.max_page = 20
    store = DuckDBStore(":memory:")
    report = await collect(collect_config(keyed_settings), store, ["WALCL"], vintages=True)
    assert not report.failures
    pages = replay.count("/series/observations", "realtime_start=1776-07-04")
    assert pages == 4  # 62 vintage rows, 20 a page
    assert report.series[0].written.inserted + report.series[0].written.revised == 62
    rows = store.changes(None)
    assert {c.observation.source for c in rows} == {VINTAGE_SOURCE}
    first = next(c.observation for c in rows if c.observation.date == DAY and not c.revision)
    assert first.known_at == datetime(2026, 6, 25, 16, 30, tzinfo=NY)  # Thursday 16:30 ET
    store.close()


async def test_a_revised_value_is_invisible_before_its_revision(
    keyed_settings: Settings, replay: ReplayServer
) -> None:
    store = DuckDBStore(":memory:")
    # A plain collect first (today's values, estimated known_at), then the history.
    await collect(collect_config(keyed_settings), store, ["WALCL"])
    await collect(collect_config(keyed_settings), store, ["WALCL"], vintages=True)

    def value(moment: datetime) -> float:
        (row,) = query.series(store, "WALCL", Window(DAY, DAY, moment))
        return row.value

    assert value(datetime(2026, 6, 30, 12, 0, tzinfo=NY)) == FIRST
    assert value(datetime(2026, 7, 2, 16, 29, tzinfo=NY)) == FIRST  # revision due 16:30
    assert value(datetime(2026, 7, 2, 16, 30, tzinfo=NY)) == REVISED
    assert query.series(store, "WALCL", Window(DAY, DAY))[0].value == REVISED
    before = Window(DAY, DAY, datetime(2026, 6, 25, 16, 29, tzinfo=NY))
    assert query.series(store, "WALCL", before) == []
    store.close()


def test_cli_vintages_need_a_key(replay: ReplayServer, tmp_path: Path) -> None:
    keyless = run_cli(["collect", "WALCL", "--vintages"], cli_env(replay, tmp_path / "a.duckdb"))
    assert keyless.returncode == 1
    assert "LIQUIDITY_FRED_API_KEY" in keyless.stderr and "Traceback" not in keyless.stderr
    env = cli_env(replay, tmp_path / "b.duckdb", LIQUIDITY_FRED_API_KEY=API_KEY)
    assert run_cli(["collect", "WALCL", "--vintages"], env).returncode == 0
    shown = run_cli(
        [
            "show",
            "WALCL",
            "--as-of",
            "2026-06-30",
            "--start",
            "2026-06-24",
            "--end",
            "2026-06-24",
            "-f",
            "csv",
        ],
        env,
    )
    (row,) = parse_csv(shown.stdout)
    assert float(row["value"]) == FIRST and row["source"] == VINTAGE_SOURCE
