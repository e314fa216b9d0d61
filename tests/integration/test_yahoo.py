"""Yahoo as it really answers.

``VIX_max_1mo.json`` is a real chart response (recorded, see tests/fixtures/PROVENANCE.md):
monthly bars although daily were asked, a live last bar at ``regularMarketTime``, bars at
Chicago midnight. ``MOVE.json`` and ``VIX.json`` are daily answers built in its shape from
recorded CSV values, each with a live last bar.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from liquidity.catalog.active import get
from liquidity.compose import collect_config
from liquidity.config import Settings
from liquidity.errors import MalformedResponseError
from liquidity.pipeline import collect
from liquidity.sources import yahoo
from liquidity.sources.base import FetchRequest
from liquidity.storage.duckdb import DuckDBStore
from tests.support.replay import ReplayServer
from tests.support.settings import FIXTURES

CHART = FIXTURES / "yahoo" / "chart"
RECORDING = (CHART / "VIX_max_1mo.json").read_bytes()
REFUSED = (
    "yahoo: VIX: asked ^VIX for interval=1d, Yahoo answered dataGranularity=1mo: "
    "refused, nothing stored"
)
# Fixed instants, so no test depends on today: after every fixture's closes were due.
LATER = datetime(2026, 7, 1, tzinfo=UTC)


def load(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((CHART / name).read_bytes())
    return body


def chart_of(body: dict[str, Any]) -> dict[str, Any]:
    chart: dict[str, Any] = body["chart"]["result"][0]
    return chart


def serve(replay: ReplayServer, symbol: str, body: dict[str, Any]) -> None:
    replay.fail(f"/v8/finance/chart/{symbol}", status=200, body=json.dumps(body).encode(), times=-1)


def stored(store: DuckDBStore, series_id: str) -> dict[date, float]:
    return {o.date: o.value for o in store.read(series_id)}


def dates_of(body: dict[str, Any], series_id: str, start: date = date(2000, 1, 1)) -> set[date]:
    result = yahoo.transform(body, FetchRequest(get(series_id), start), LATER)
    return {o.date for o in result.observations}


# -- the recording ------------------------------------------------------------------------


def test_recording_is_monthly_with_a_live_last_bar() -> None:
    chart = chart_of(json.loads(RECORDING))
    meta, closes = chart["meta"], chart["indicators"]["quote"][0]["close"]
    assert meta["dataGranularity"] == "1mo"
    assert chart["timestamp"][-1] == meta["regularMarketTime"]
    assert round(closes[-1], 2) == meta["regularMarketPrice"]
    assert yahoo.open_session(meta, yahoo.exchange_zone(meta)) == date(2026, 6, 19)


def test_monthly_answer_is_refused() -> None:
    request = FetchRequest(get("VIX"), date(1990, 1, 1))
    with pytest.raises(MalformedResponseError) as caught:
        yahoo.transform(json.loads(RECORDING), request, LATER)
    assert str(caught.value) == REFUSED


async def test_monthly_answer_refused_through_collect(
    settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    replay.fail("/v8/finance/chart/^VIX", status=200, body=RECORDING, times=-1)
    report = await collect(collect_config(settings), memory_store, ["VIX", "MOVE"])

    assert {s.series_id: s.error for s in report.series} == {"VIX": REFUSED, "MOVE": None}
    assert replay.count("/v8/finance/chart/^VIX") == 1  # refused, not retried
    assert memory_store.read("VIX") == []
    assert stored(memory_store, "MOVE")


def test_recording_bars_are_chicago_midnights() -> None:
    chart = chart_of(json.loads(RECORDING))
    zone = yahoo.exchange_zone(chart["meta"])
    months = chart["timestamp"][:-1]
    assert str(zone) == "America/Chicago"
    assert {datetime.fromtimestamp(t, zone).time() for t in months} == {time(0)}
    days = [yahoo.bar_date(t, zone) for t in months]
    assert {d.day for d in days} == {1}
    assert (days[0], days[-1], len(days)) == (date(1990, 2, 1), date(2026, 6, 1), 437)


# -- the live session -----------------------------------------------------------------------


def _as_recorded(meta: dict[str, Any]) -> None:
    pass


def _at_the_close(meta: dict[str, Any]) -> None:
    meta["regularMarketTime"] = meta["currentTradingPeriod"]["regular"]["end"]


def _next_session_period(meta: dict[str, Any]) -> None:
    # As seen for DX-Y.NYB on a Friday evening: currentTradingPeriod is already the next one.
    for period in meta["currentTradingPeriod"].values():
        period["start"] += 2 * 86400
        period["end"] += 2 * 86400


def _no_trading_period(meta: dict[str, Any]) -> None:
    del meta["currentTradingPeriod"]


def _no_market_time(meta: dict[str, Any]) -> None:
    del meta["regularMarketTime"]


@pytest.mark.parametrize(
    ("change", "session"),
    [
        (_as_recorded, date(2026, 6, 19)),  # 10:30 CDT, inside 02:00-15:15: open
        (_at_the_close, None),
        (_next_session_period, None),
        (_no_trading_period, date(2026, 6, 19)),  # assumed open: skip that date for now
        (_no_market_time, None),
    ],
)
def test_open_session_from_the_meta(
    change: Callable[[dict[str, Any]], None], session: date | None
) -> None:
    meta = chart_of(json.loads(RECORDING))["meta"]
    change(meta)
    assert yahoo.open_session(meta, yahoo.exchange_zone(meta)) == session


async def test_live_last_bar_is_not_stored(
    settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    report = await collect(collect_config(settings), memory_store, ["MOVE", "VIX"])
    assert not report.failures
    move, vix = stored(memory_store, "MOVE"), stored(memory_store, "VIX")
    assert max(move) == date(2023, 6, 22)  # 2023-06-23 is the live bar
    assert max(vix) == date(2025, 11, 12)  # 2025-11-13 is the live bar


async def test_the_day_is_stored_once_its_session_is_over(
    settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    body = load("MOVE.json")
    chart = chart_of(body)
    _at_the_close(chart["meta"])
    chart["timestamp"][-1] = chart["meta"]["regularMarketTime"]
    serve(replay, "^MOVE", body)
    await collect(collect_config(settings), memory_store, ["MOVE"])

    move = stored(memory_store, "MOVE")
    assert max(move) == date(2023, 6, 23)
    assert move[date(2023, 6, 23)] == pytest.approx(105.74, abs=1e-5)


# -- dates in the exchange's zone -------------------------------------------------------------


async def test_vix_dates_are_chicago_dates_not_gmtoffset_ones(
    settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    meta = chart_of(load("VIX.json"))["meta"]
    # Answered in winter (CST): with that offset every summer (CDT) midnight, 05:00 UTC,
    # would fall on the day before.
    assert (meta["gmtoffset"], meta["timezone"]) == (-21600, "CST")
    await collect(collect_config(settings), memory_store, ["VIX"], start=date(2020, 1, 1))

    with (FIXTURES / "fred" / "csv" / "VIXCLS.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    fred = {date.fromisoformat(d): float(v) for d, v in rows if v and d >= "2020-01-02"}
    del fred[date(2025, 11, 13)]  # the live bar
    vix = stored(memory_store, "VIX")
    assert vix.keys() == fred.keys()
    assert all(vix[d] == pytest.approx(fred[d], abs=1e-5) for d in fred)


def test_dates_are_read_in_the_exchange_zone_not_utc() -> None:
    body = load("VIX.json")
    chart = chart_of(body)
    tokyo = ZoneInfo("Asia/Tokyo")  # east of UTC: its midnight is the day before in UTC
    days = [date(2025, 11, 10), date(2025, 11, 11), date(2025, 11, 12)]
    chart["meta"]["exchangeTimezoneName"] = "Asia/Tokyo"
    chart["timestamp"] = [int(datetime.combine(d, time(0), tokyo).timestamp()) for d in days]
    for block in (*chart["indicators"]["quote"], *chart["indicators"]["adjclose"]):
        for series in block.values():
            del series[3:]

    assert dates_of(body, "VIX", start=days[0]) == set(days)
    period1 = int(yahoo.query(FetchRequest(get("VIX"), days[0]), LATER)["period1"])
    assert period1 <= chart["timestamp"][0]  # the start day's bar is asked for too


# -- what the recording leaves open ------------------------------------------------------------


def test_silent_meta_assumes_daily_new_york_and_an_open_session() -> None:
    body = load("VIX.json")
    full = dates_of(body, "VIX")
    meta = chart_of(body)["meta"]
    for key in ("dataGranularity", "exchangeTimezoneName", "currentTradingPeriod"):
        del meta[key]
    # Daily as asked; Chicago midnights are the same dates in New York; the session of
    # regularMarketTime is taken as open, so its bar stays out.
    assert dates_of(body, "VIX") == full
    assert max(full) == date(2025, 11, 12)
