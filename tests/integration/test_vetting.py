"""Only what can be true enters the store: finite values, dates the release calendar
allows by now; conflicting duplicates and impossible negatives are reported."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from liquidity import clock
from liquidity.catalog.active import get
from liquidity.compose import collect_config
from liquidity.config import Settings
from liquidity.models import Observation
from liquidity.pipeline import collect
from liquidity.storage.duckdb import DuckDBStore
from liquidity.vetting import vet
from tests.support.cli import cli_env, run_cli
from tests.support.replay import ReplayServer

NOW = datetime(2025, 11, 14, 22, 0, tzinfo=UTC)  # Friday evening: Thursday's H.4.1 is out


def obs(series_id: str, day: date, value: float, rs: date = date(2025, 11, 14)) -> Observation:
    return Observation(series_id, day, value, rs, NOW, "fred")


def test_nonfinite_values_are_rejected() -> None:
    rows = [obs("WALCL", date(2025, 11, 5), v) for v in (float("inf"), float("-inf"))]
    rows.append(obs("WALCL", date(2025, 11, 12), 6_580_462.0))
    vetted = vet(get("WALCL"), rows, NOW)
    assert vetted.nonfinite == 2 and vetted.rejected == 2
    assert [o.value for o in vetted.observations] == [6_580_462.0]


def test_dates_the_calendar_cannot_have_published_are_rejected() -> None:
    walcl = get("WALCL")  # H.4.1: Wednesday's level out on Thursday
    rows = [
        obs("WALCL", d, 1.0) for d in (date(2025, 11, 12), date(2025, 11, 19), date(2099, 1, 7))
    ]
    vetted = vet(walcl, rows, NOW)
    # 11-19 is published 11-20, six days after NOW: beyond a day's grace.
    assert vetted.future == [date(2025, 11, 19), date(2099, 1, 7)]
    assert [o.date for o in vetted.observations] == [date(2025, 11, 12)]
    # A day's grace: published a day earlier than our calendar says is still accepted.
    early = vet(
        walcl, [obs("WALCL", date(2025, 11, 19), 1.0)], datetime(2025, 11, 19, 12, tzinfo=UTC)
    )
    assert early.future == [] and len(early.observations) == 1


def test_conflicting_duplicates_keep_the_last_and_are_counted() -> None:
    day = date(2025, 11, 12)
    rows = [obs("WALCL", day, 1.0), obs("WALCL", day, 2.0), obs("WALCL", day, 2.0)]
    vetted = vet(get("WALCL"), rows, NOW)
    assert vetted.conflicts == 1 and [o.value for o in vetted.observations] == [2.0]
    # Two vintages of one date are not duplicates.
    vintages = [obs("WALCL", day, 1.0, date(2025, 11, 13)), obs("WALCL", day, 2.0)]
    assert len(vet(get("WALCL"), vintages, NOW).observations) == 2


def test_negative_flagged_only_where_impossible() -> None:
    day = date(2025, 11, 12)
    assert vet(get("WALCL"), [obs("WALCL", day, -5.0)], NOW).negative == [day]
    assert vet(get("DGS2"), [obs("DGS2", day, -0.1)], NOW).negative == []  # yields can


@pytest.mark.parametrize("text", ["inf", "-inf", "Infinity", "1e309"])
async def test_fred_csv_nonfinite_never_stored(
    text: str, settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    replay.data.revise("WALCL", "2025-11-12", text)
    report = await collect(collect_config(settings), memory_store, ["WALCL"])
    (walcl,) = report.series
    assert walcl.error is None and walcl.nonfinite == 1
    stored = {o.date: o.value for o in memory_store.read("WALCL")}
    assert date(2025, 11, 12) not in stored and date(2025, 11, 5) in stored


async def test_fred_json_nonfinite_never_stored(
    keyed_settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    replay.data.revise("WALCL", "2026-08-05", "1e309")
    report = await collect(collect_config(keyed_settings), memory_store, ["WALCL"])
    assert report.series[0].nonfinite == 1
    assert all(abs(o.value) < 1e300 for o in memory_store.read("WALCL"))
    assert date(2026, 8, 5) not in {o.date for o in memory_store.read("WALCL")}


async def test_future_row_rejected_and_a_stored_one_cannot_freeze_the_start(
    settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    replay.data.revise("WALCL", "2099-01-07", "6000000")
    report = await collect(collect_config(settings), memory_store, ["WALCL"])
    assert report.series[0].future == [date(2099, 1, 7)]
    assert max(o.date for o in memory_store.read("WALCL")) < clock.now().date()
    # A row an older version stored: the next incremental start is still before today.
    memory_store.write([obs("WALCL", date(2099, 1, 7), 6e6)])
    replay.reset_counts()
    await collect(collect_config(settings), memory_store, ["WALCL"])
    ((_, query),) = [r for r in replay.requests if r[0].endswith("fredgraph.csv")]
    asked = date.fromisoformat(query["cosd"][0])
    assert asked <= clock.today() - timedelta(days=settings.lookback_days)


def test_cli_warns_and_check_flags_negative(replay: ReplayServer, tmp_path: Path) -> None:
    replay.data.revise("WDTGAL", "2025-11-12", "-5")
    replay.data.revise("WALCL", "2025-11-05", "inf")
    env = cli_env(replay, tmp_path / "n.duckdb")
    done = run_cli(["collect", "WALCL", "WDTGAL"], env)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: WALCL: 1 values rejected: not finite numbers",
        "warning: WDTGAL: negative values stored on 2025-11-12 (it cannot be negative: "
        "a source error?)",
    ]
    shown = run_cli(["show", "WALCL", "--format", "json"], env).stdout
    assert "Infinity" not in shown
    checked = run_cli(["check"], env)
    assert checked.returncode == 1
    assert "negative: WDTGAL: cannot be negative, is on 2025-11-12" in checked.stderr


async def test_rejections_are_counted_in_metrics(
    settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    from prometheus_client import CollectorRegistry

    from liquidity.serve.metrics import REJECTED, Metrics, Snapshot

    replay.data.revise("WALCL", "2025-11-12", "inf")
    replay.data.revise("WALCL", "2099-01-07", "1")
    report = await collect(collect_config(settings), memory_store, ["WALCL"])
    registry = CollectorRegistry()
    Metrics(registry, Snapshot, grace=timedelta(hours=12)).observe("test", report)
    for reason in ("nonfinite", "future"):
        labels = {"series": "WALCL", "reason": reason}
        assert registry.get_sample_value(f"{REJECTED}_total", labels) == 1.0


async def test_a_date_at_the_calendars_end_is_refused_not_a_crash(
    settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    replay.data.revise("WALCL", "9999-12-31", "6000000")  # its release date would overflow
    report = await collect(collect_config(settings), memory_store, ["WALCL"])
    assert report.series[0].error is None
    assert report.series[0].future == [date(9999, 12, 31)]
