"""Fault injection: the real client code against the replay server, faults served over HTTP.

Every test drives ``liquidity.pipeline.collect`` (or a source / ``SourceClient`` where that is
more precise) against the replay server (``tests.support.replay``); nothing of httpx or of ours
is mocked.
"""

from __future__ import annotations

import asyncio
import csv
import json
import math
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from liquidity.catalog.active import get, series_for_source
from liquidity.compose import breaker_config, collect_config, source_config
from liquidity.config import Settings
from liquidity.errors import (
    AuthenticationError,
    MalformedResponseError,
    SourceAPIError,
)
from liquidity.http import SourceClient, make_breakers, make_client
from liquidity.models import FetchResult
from liquidity.pipeline import CollectReport, SeriesReport, collect
from liquidity.sources.base import FetchRequest
from liquidity.sources.fred_api import FredApiSource, series_query
from liquidity.storage.duckdb import DuckDBStore
from liquidity.thirdparty.purgatory import AsyncCircuitBreaker, AsyncCircuitBreakerFactory
from tests.support.replay import Fault, ReplayServer
from tests.support.settings import API_KEY, FIXTURES, make_settings

FRED_IDS = [spec.id for spec in series_for_source("fred")]
YAHOO_IDS = [spec.id for spec in series_for_source("yahoo")]
ALL_IDS = FRED_IDS + YAHOO_IDS
GRAPH = "/fredgraph.csv"
OBSERVATIONS = "/fred/series/observations"
RATE_LIMIT_BODY = (FIXTURES / "fred" / "errors" / "429_rate_limit.json").read_bytes()
YAHOO_NOT_FOUND = (FIXTURES / "yahoo" / "chart" / "error_not_found.json").read_bytes()


# -- helpers ------------------------------------------------------------------------------


@pytest.fixture
def new_store() -> Iterator[Callable[[], DuckDBStore]]:
    """A factory of extra in-memory stores, all closed at the end."""
    stores: list[DuckDBStore] = []

    def make() -> DuckDBStore:
        stores.append(DuckDBStore(":memory:"))
        return stores[-1]

    yield make
    for store in stores:
        store.close()


def by_id(report: CollectReport) -> dict[str, SeriesReport]:
    return {s.series_id: s for s in report.series}


def values(store: DuckDBStore, series_id: str) -> dict[date, float]:
    return {o.date: o.value for o in store.read(series_id)}


def metadata_requests(server: ReplayServer, series_id: str = "") -> int:
    """Requests to ``fred/series`` only (``count`` matches the path as a substring)."""
    match = f"series_id={series_id}" if series_id else ""
    return server.count("/fred/series", match) - server.count(OBSERVATIONS, match)


# Keyed metadata: one ``release/series`` listing per shared FRED release (H.4.1, H.15),
# one ``series`` request for each series alone in its release, or whose release id the
# catalog leaves unset (6: RRPONTSYD, BAMLH0A0HYM2, VIXCLS, SOFR, EFFR, IORB).
FRED_RELEASES = 8


def release_metadata_requests(server: ReplayServer) -> int:
    return metadata_requests(server) + server.count("/fred/release/series")


def assert_stored(store: DuckDBStore, series_ids: list[str]) -> None:
    for sid in series_ids:
        rows = store.read(sid)
        assert rows, f"{sid}: nothing stored"
        assert all(math.isfinite(o.value) for o in rows), sid


def assert_nothing_stored(store: DuckDBStore, series_ids: list[str]) -> None:
    for sid in series_ids:
        assert store.read(sid) == [], f"{sid}: rows stored although the fetch failed"


def fixture_csv(series_id: str) -> list[tuple[date, str]]:
    path = FIXTURES / "fred" / "csv" / f"{series_id}.csv"
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    return [(date.fromisoformat(r[0]), r[1]) for r in rows[1:] if r]


async def bounded(
    work: Coroutine[Any, Any, CollectReport], limit: float
) -> tuple[CollectReport | None, float]:
    """Run ``work`` for at most ``limit`` seconds; cancel whatever it left behind.

    Returns the report (``None`` on timeout) and the elapsed time."""
    before = asyncio.all_tasks()
    began = time.monotonic()
    report: CollectReport | None = None
    try:
        async with asyncio.timeout(limit):
            report = await work
    except TimeoutError:
        pass
    finally:
        stray = asyncio.all_tasks() - before
        for task in stray:
            task.cancel()
        await asyncio.gather(*stray, return_exceptions=True)
    return report, time.monotonic() - began


@asynccontextmanager
async def fred_client(
    settings: Settings, breakers: AsyncCircuitBreakerFactory | None = None
) -> AsyncIterator[SourceClient]:
    policy = source_config(settings, "fred").policy
    breakers = breakers or make_breakers(breaker_config(settings))
    await breakers.initialize()
    async with make_client(policy) as client:
        yield SourceClient("fred", client, policy, breakers)


async def fetch_one_keyed(settings: Settings, series_id: str) -> FetchResult | BaseException:
    assert settings.fred_api_key is not None
    async with fred_client(settings) as http:
        source = FredApiSource(
            http,
            settings.fred_api_url,
            settings.fred_api_key.get_secret_value(),
            graph_url=settings.fred_graph_url,
        )
        [result] = await source.fetch([FetchRequest(get(series_id), date(2020, 1, 1))], _now())
    return result


def _now() -> datetime:
    return datetime.now(UTC)


class TimedReplay(ReplayServer):
    """The replay server, also noting when each request (and each faulted one) arrived."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.times: list[float] = []
        self.fault_times: list[float] = []

    def take_fault(self, path: str, query: str) -> Fault | None:
        now = time.monotonic()
        fault = super().take_fault(path, query)
        with self._lock:
            self.times.append(now)
            if fault is not None:
                self.fault_times.append(now)
        return fault


class SlowFirstLookup(AsyncCircuitBreakerFactory):
    """A breaker store whose first lookup takes a while, as a remote one (purgatory's
    Redis unit of work) can: the first send is late, the others are not."""

    def __init__(self, delay: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.delay = delay
        self.lookups = 0

    async def get_breaker(self, circuit: str, *args: Any, **kwargs: Any) -> AsyncCircuitBreaker:
        self.lookups += 1
        if self.lookups == 1:
            await asyncio.sleep(self.delay)
        return await super().get_breaker(circuit, *args, **kwargs)


# -- 1, 2: 429 and Retry-After --------------------------------------------------------------


async def test_429_retry_after_is_waited_then_succeeds(
    settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    replay.fail(GRAPH, status=429, body=RATE_LIMIT_BODY, headers={"Retry-After": "1"}, times=1)
    began = time.monotonic()
    report = await collect(collect_config(settings), memory_store, FRED_IDS)
    waited = time.monotonic() - began

    assert waited >= 0.9, f"Retry-After: 1 not honoured (collect took {waited:.3f}s)"
    assert replay.count(GRAPH) == 2
    assert replay.statuses == [429, 200]
    assert report.retries >= 1
    assert report.statuses == {429: 1, 200: 1}
    assert not report.failures
    assert_stored(memory_store, FRED_IDS)


async def test_429_retry_after_is_capped_at_retry_max_wait(
    replay: ReplayServer, tmp_path: Path, memory_store: DuckDBStore
) -> None:
    settings = make_settings(replay, tmp_path, retry_max_wait=0.5)
    replay.fail(GRAPH, status=429, body=RATE_LIMIT_BODY, headers={"Retry-After": "30"}, times=1)
    report, elapsed = await bounded(
        collect(collect_config(settings), memory_store, FRED_IDS), limit=5.0
    )

    assert report is not None, f"collect still waiting after {elapsed:.1f}s (Retry-After: 30)"
    assert 0.4 <= elapsed < 3.0
    assert replay.count(GRAPH) == 2
    assert not report.failures
    assert_stored(memory_store, FRED_IDS)


async def test_retry_after_pauses_requests_already_queued(tmp_path: Path) -> None:
    server = TimedReplay()
    server.start()
    try:
        settings = make_settings(
            server, tmp_path, fred_api_key=API_KEY, fred_requests_per_second=2.0
        )
        server.fail(
            "/fred/",
            status=429,
            body=RATE_LIMIT_BODY,
            headers={"Retry-After": "2"},
            times=1,
        )
        store = DuckDBStore(":memory:")
        ids = ["WALCL", "WTREGEN", "DGS10", "RRPONTSYD", "VIXCLS"]
        try:
            report = await collect(collect_config(settings), store, ids)
        finally:
            store.close()
        assert not report.failures
        assert server.statuses.count(429) == 1
        [first] = server.fault_times  # the request answered 429, Retry-After: 2
        # A request sent together with it (before its answer came back) is fair; any
        # request sent after the answer and before the 2 s are over is not.
        during_pause = [round(t - first, 2) for t in server.times if 0.1 < t - first < 1.9]
        assert during_pause == [], f"requests sent during the 2 s Retry-After: {during_pause}"
        # 2 metadata listings (H.4.1 for WALCL+WTREGEN, H.15), 2 series' metadata
        # (RRPONTSYD, VIXCLS), 1 fredgraph for all values, 1 retry
        assert server.count() >= 6
    finally:
        server.stop()


# -- 3, 4: 5xx ------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503])
async def test_5xx_once_is_retried(
    status: int, settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    replay.fail(GRAPH, status=status, times=1)
    report = await collect(collect_config(settings), memory_store, FRED_IDS)

    assert replay.count(GRAPH) == 2
    assert replay.statuses == [status, 200]
    assert report.retries >= 1
    assert not report.failures
    assert_stored(memory_store, FRED_IDS)


async def test_persistent_503_keyless_fails_after_retry_attempts(
    replay: ReplayServer, tmp_path: Path, memory_store: DuckDBStore
) -> None:
    settings = make_settings(replay, tmp_path, retry_attempts=3, breaker_threshold=10)
    replay.fail(GRAPH, status=503, times=-1)
    report = await collect(collect_config(settings), memory_store, ALL_IDS)
    reports = by_id(report)

    assert replay.count(GRAPH) == 3  # exactly retry_attempts
    assert report.retries == 2
    assert {s.series_id for s in report.failures} == set(FRED_IDS)
    for sid in FRED_IDS:
        error = reports[sid].error
        assert error is not None and "HTTP 503" in error, error
    assert_nothing_stored(memory_store, FRED_IDS)
    assert_stored(memory_store, YAHOO_IDS)
    assert all(reports[sid].error is None for sid in YAHOO_IDS)


async def test_persistent_503_keyed_fails_one_series_only(
    replay: ReplayServer, tmp_path: Path, memory_store: DuckDBStore
) -> None:
    settings = make_settings(
        replay, tmp_path, fred_api_key=API_KEY, retry_attempts=3, breaker_threshold=50
    )
    # RRPONTSYD is alone in its release: its metadata is its own request.
    replay.fail("/fred/series", match="series_id=RRPONTSYD", status=503, times=-1)
    report = await collect(collect_config(settings), memory_store, ALL_IDS)
    reports = by_id(report)

    assert replay.count("/fred/series", "series_id=RRPONTSYD") == 3
    assert [s.series_id for s in report.failures] == ["RRPONTSYD"]
    error = reports["RRPONTSYD"].error
    assert error is not None and "HTTP 503" in error
    assert API_KEY not in error
    assert_nothing_stored(memory_store, ["RRPONTSYD"])
    assert_stored(memory_store, [s for s in ALL_IDS if s != "RRPONTSYD"])


# -- 5, 6: timeouts and truncated bodies ------------------------------------------------


async def test_hang_past_timeout_is_retried(
    replay: ReplayServer, tmp_path: Path, memory_store: DuckDBStore
) -> None:
    settings = make_settings(replay, tmp_path, http_timeout=0.5)
    replay.fail(GRAPH, status=200, hang=2, times=1)
    began = time.monotonic()
    report = await collect(collect_config(settings), memory_store, FRED_IDS)

    assert time.monotonic() - began >= 0.45
    assert replay.count(GRAPH) >= 2  # more when a loaded machine makes an answer slow too
    assert report.retries >= 1
    assert not report.failures
    assert_stored(memory_store, FRED_IDS)


async def test_hang_every_time_fails_with_timed_out(
    replay: ReplayServer, tmp_path: Path, memory_store: DuckDBStore
) -> None:
    settings = make_settings(replay, tmp_path, http_timeout=0.5, retry_attempts=2)
    replay.fail(GRAPH, status=200, hang=2, times=-1)
    report = await collect(collect_config(settings), memory_store, ALL_IDS)
    reports = by_id(report)

    assert replay.count(GRAPH) == 2
    for sid in FRED_IDS:
        error = reports[sid].error
        assert error is not None and "timed out" in error, error
    assert_nothing_stored(memory_store, FRED_IDS)
    assert_stored(memory_store, YAHOO_IDS)


async def test_truncated_body_is_retried(
    settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    fake = b"observation_date,WALCL\n2020-01-01,7000000\n"
    replay.fail(GRAPH, status=200, body=fake, truncate=True, times=1)
    report = await collect(collect_config(settings), memory_store, ["WALCL"])

    assert replay.count(GRAPH) == 2
    assert report.retries >= 1
    assert not report.failures
    recorded = dict(fixture_csv("WALCL"))
    stored = values(memory_store, "WALCL")
    assert stored[date(2020, 1, 1)] == float(recorded[date(2020, 1, 1)]) != 7000000.0
    assert len(stored) == sum(1 for _, v in recorded.items() if v)


# -- 7, 8: malformed bodies ---------------------------------------------------------------


async def test_malformed_json_on_fred_api(
    keyed_settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    replay.fail(
        "/fred/series", match="series_id=VIXCLS", status=200, body=b'{"seriess": [', times=-1
    )
    report = await collect(collect_config(keyed_settings), memory_store, FRED_IDS)
    reports = by_id(report)

    assert [s.series_id for s in report.failures] == ["VIXCLS"]
    assert reports["VIXCLS"].error == "fred: VIXCLS: HTTP 200, body is not JSON"
    assert replay.count("/fred/series", "series_id=VIXCLS") == 1  # not retried
    assert_nothing_stored(memory_store, ["VIXCLS"])
    assert_stored(memory_store, [s for s in FRED_IDS if s != "VIXCLS"])

    # The same fault through the source itself: the typed error.
    result = await fetch_one_keyed(keyed_settings, "VIXCLS")
    assert isinstance(result, MalformedResponseError)
    assert result.series_id == "VIXCLS"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            b"observation_date,WALCL,DGS2\n2020-01-01,4173626,1.58\n2020-01-02,1.58\n",
            "fred_csv: line 3 has 2 fields, expected 3 (truncated or malformed CSV)",
        ),
        (
            b"when,WALCL,DGS2\n2020-01-01,4173626,1.58\n",
            "fred_csv: expected a date column observation_date or DATE, got 'when'",
        ),
    ],
    ids=["wrong-field-count", "renamed-date-column"],
)
async def test_malformed_csv(
    body: bytes,
    problem: str,
    settings: Settings,
    replay: ReplayServer,
    memory_store: DuckDBStore,
) -> None:
    replay.fail(GRAPH, status=200, body=body, times=-1)
    report = await collect(collect_config(settings), memory_store, ["WALCL", "DGS2", "MOVE"])
    reports = by_id(report)

    assert replay.count(GRAPH) == 1  # a malformed body is not retried
    for sid in ("WALCL", "DGS2"):
        assert reports[sid].error == problem
    assert reports["MOVE"].error is None
    assert_nothing_stored(memory_store, ["WALCL", "DGS2"])
    assert memory_store.count() == len(memory_store.read("MOVE")) > 0


# -- 9: legacy fredgraph CSV -----------------------------------------------------------


async def test_legacy_csv_matches_modern(
    settings: Settings, replay: ReplayServer, new_store: Callable[[], DuckDBStore]
) -> None:
    modern, legacy = new_store(), new_store()
    modern_report = await collect(collect_config(settings), modern, FRED_IDS)
    replay.legacy_csv = True
    async with httpx.AsyncClient() as client:
        raw = await client.get(
            settings.fred_graph_url, params={"id": "DGS10", "cosd": "2000-01-01"}
        )
    assert raw.text.startswith("DATE,DGS10\n") and ",.\n" in raw.text  # really the old format
    legacy_report = await collect(collect_config(settings), legacy, FRED_IDS)

    assert not modern_report.failures and not legacy_report.failures
    modern_by, legacy_by = by_id(modern_report), by_id(legacy_report)
    for sid in FRED_IDS:
        assert values(legacy, sid) == values(modern, sid), sid
        assert legacy_by[sid].missing == modern_by[sid].missing, sid
        assert all(math.isfinite(v) for v in values(legacy, sid).values()), sid


async def test_legacy_csv_missing_counted_not_stored(
    settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    replay.legacy_csv = True
    report = await collect(collect_config(settings), memory_store, ["DGS10"])

    rows = fixture_csv("DGS10")
    present = [d for d, v in rows if v]
    gaps = {d for d, v in rows if not v and d.weekday() < 5 and present[0] <= d <= present[-1]}
    assert len(gaps) > 100  # the fixture really has gaps ("." in the legacy format)
    assert by_id(report)["DGS10"].missing == len(gaps)
    stored = values(memory_store, "DGS10")
    assert len(stored) == len(present)
    assert not gaps & stored.keys()
    assert all(math.isfinite(v) and v != 0 for v in stored.values())


# -- 10, 11: FRED error bodies -----------------------------------------------------------


async def test_bad_api_key(replay: ReplayServer, tmp_path: Path, memory_store: DuckDBStore) -> None:
    bad = "not-a-valid-key-0000"
    settings = make_settings(replay, tmp_path, fred_api_key=bad)
    report = await collect(collect_config(settings), memory_store, ALL_IDS)
    reports = by_id(report)

    assert {s.series_id for s in report.failures} == set(FRED_IDS)
    for sid in FRED_IDS:
        error = reports[sid].error
        assert error is not None
        assert "API key was rejected" in error and "LIQUIDITY_FRED_API_KEY" in error, error
    assert release_metadata_requests(replay) == FRED_RELEASES  # one per release, not retried
    assert replay.count(OBSERVATIONS) == 0
    states = memory_store.states()
    texts = [s.error or "" for s in report.series]
    texts += [states[sid].last_error or "" for sid in FRED_IDS]
    assert all(bad not in t for t in texts)
    assert_nothing_stored(memory_store, FRED_IDS)
    assert_stored(memory_store, YAHOO_IDS)

    result = await fetch_one_keyed(settings, "WALCL")
    assert isinstance(result, AuthenticationError)
    assert bad not in str(result)


async def test_fred_api_error_body_on_one_series(
    keyed_settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    body = b'{"error_code":400,"error_message":"Bad Request.  The series does not exist."}'
    replay.fail("/fred/series", match="series_id=BAMLH0A0HYM2", status=400, body=body, times=-1)
    report = await collect(collect_config(keyed_settings), memory_store, FRED_IDS)
    reports = by_id(report)

    sid = "BAMLH0A0HYM2"  # alone in its release: its metadata is its own request
    assert [s.series_id for s in report.failures] == [sid]
    assert reports[sid].error == f"fred: {sid}: error 400: Bad Request.  The series does not exist."
    assert replay.count("/fred/series", f"series_id={sid}") == 1  # a 400 is not retried
    assert_nothing_stored(memory_store, [sid])
    assert_stored(memory_store, [s for s in FRED_IDS if s != sid])

    result = await fetch_one_keyed(keyed_settings, sid)
    assert isinstance(result, SourceAPIError)
    assert not isinstance(result, AuthenticationError)


# -- 12: Yahoo -----------------------------------------------------------------------------


async def test_yahoo_chart_error(
    settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    replay.fail("/v8/finance/chart/^MOVE", status=404, body=YAHOO_NOT_FOUND, times=-1)
    report = await collect(collect_config(settings), memory_store, YAHOO_IDS)
    reports = by_id(report)

    assert reports["MOVE"].error == "yahoo: MOVE: No data found, symbol may be delisted"
    assert replay.count("/v8/finance/chart/^MOVE") == 1
    assert reports["VIX"].error is None
    assert_nothing_stored(memory_store, ["MOVE"])
    assert_stored(memory_store, ["VIX"])


async def test_yahoo_null_closes_counted_not_stored(
    settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    chart = json.loads((FIXTURES / "yahoo" / "chart" / "MOVE.json").read_bytes())
    result = chart["chart"]["result"][0]
    zone = ZoneInfo(result["meta"]["exchangeTimezoneName"])
    closes = result["indicators"]["quote"][0]["close"]
    days = [datetime.fromtimestamp(t, zone).date() for t in result["timestamp"]]
    nulls = {d for d, c in zip(days, closes, strict=True) if c is None}
    assert nulls == {date(2022, 10, 10), date(2022, 11, 11)}  # Yahoo's own null rows

    report = await collect(collect_config(settings), memory_store, ["MOVE"], start=date(2020, 1, 1))
    move = by_id(report)["MOVE"]
    assert move.error is None
    assert move.missing == 2
    stored = values(memory_store, "MOVE")
    assert len(stored) == len(days) - 2 - 1  # nor the live last bar (test_yahoo.py)
    assert not nulls & stored.keys()
    assert all(math.isfinite(v) and v > 0 for v in stored.values())


# -- 13: circuit breaker -----------------------------------------------------------------


async def test_circuit_breaker_opens_and_stops_requests(
    replay: ReplayServer, tmp_path: Path, new_store: Callable[[], DuckDBStore]
) -> None:
    settings = make_settings(replay, tmp_path, breaker_threshold=2, retry_attempts=5)
    replay.fail(GRAPH, status=503, times=-1)
    breakers = make_breakers(breaker_config(settings))

    first_store = new_store()
    first = await collect(collect_config(settings), first_store, ALL_IDS, breakers=breakers)
    assert replay.count(GRAPH) == 2  # the breaker opened after 2 failures: no 3rd attempt
    for sid in FRED_IDS:
        error = by_id(first)[sid].error
        assert error is not None and "circuit breaker open" in error, error
    assert_stored(first_store, YAHOO_IDS)  # Yahoo has its own breaker

    second_store = new_store()
    second = await collect(collect_config(settings), second_store, ALL_IDS, breakers=breakers)
    assert replay.count(GRAPH) == 2  # nothing sent while open
    for sid in FRED_IDS:
        error = by_id(second)[sid].error
        assert error is not None and "circuit breaker open" in error, error
    assert second.requests == len(YAHOO_IDS)
    assert_nothing_stored(second_store, FRED_IDS)
    assert_stored(second_store, YAHOO_IDS)


# -- 14, 15: units and skip-if-unchanged (keyed) -----------------------------------------


async def test_unit_scale_converted_and_unknown_unit_rejected(
    keyed_settings: Settings, replay: ReplayServer, new_store: Callable[[], DuckDBStore]
) -> None:
    plain, billions, widgets = new_store(), new_store(), new_store()
    assert not (await collect(collect_config(keyed_settings), plain, ["WTREGEN"])).failures

    replay.data.units["WTREGEN"] = "Billions of U.S. Dollars"
    assert not (await collect(collect_config(keyed_settings), billions, ["WTREGEN"])).failures
    base, scaled = values(plain, "WTREGEN"), values(billions, "WTREGEN")
    assert base and scaled.keys() == base.keys()
    for day, value in base.items():
        assert scaled[day] == pytest.approx(value * 1000), day

    replay.data.units["WTREGEN"] = "Thousands of Widgets"
    replay.reset_counts()
    report = await collect(collect_config(keyed_settings), widgets, ["WTREGEN"])
    error = by_id(report)["WTREGEN"].error
    assert error == "fred: WTREGEN: unknown unit 'Thousands of Widgets', expected USD millions"
    assert replay.count(OBSERVATIONS) == 0
    assert_nothing_stored(widgets, ["WTREGEN"])


async def test_skip_if_unchanged(
    keyed_settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    first = await collect(collect_config(keyed_settings), memory_store, ALL_IDS)
    assert not first.failures
    assert replay.count(OBSERVATIONS) == 0
    assert replay.count(GRAPH) == 1  # every FRED series' values in one request

    replay.reset_counts()
    second = await collect(collect_config(keyed_settings), memory_store, ALL_IDS)
    assert not second.failures
    assert replay.count(OBSERVATIONS) == 0
    assert release_metadata_requests(replay) == FRED_RELEASES
    assert all(by_id(second)[sid].skipped_unchanged for sid in FRED_IDS)

    replay.data.last_updated["WALCL"] = "2026-08-13 15:30:00-05"
    replay.reset_counts()
    third = await collect(collect_config(keyed_settings), memory_store, ALL_IDS)
    assert not third.failures
    assert replay.count(GRAPH) == 1
    assert replay.count(GRAPH, "id=WALCL") == 1 and replay.count(GRAPH, "id=WALCL,") == 0
    assert release_metadata_requests(replay) == FRED_RELEASES
    reports = by_id(third)
    assert not reports["WALCL"].skipped_unchanged
    assert all(reports[sid].skipped_unchanged for sid in FRED_IDS if sid != "WALCL")


# -- 16: client-side rate limit ----------------------------------------------------------


async def test_rate_limit_no_429(tmp_path: Path) -> None:
    server = ReplayServer(rate_limit=2.0).start()
    store = DuckDBStore(":memory:")
    try:
        settings = make_settings(
            server, tmp_path, fred_api_key=API_KEY, fred_requests_per_second=2.0
        )
        began = time.monotonic()
        report = await collect(collect_config(settings), store, FRED_IDS)
        elapsed = time.monotonic() - began

        assert not report.failures
        sent = len(server.statuses)
        assert sent == report.requests == FRED_RELEASES + 1  # metadata, then all values
        assert 429 not in server.statuses, f"429s: {server.statuses.count(429)} of {sent}"
        # At most 2 arrivals in any 1 s: request i+2 comes >= 1 s after request i, so n
        # requests span at least (n - 1) // 2 seconds (the limiter may send them in pairs).
        assert elapsed >= (sent - 1) // 2
    finally:
        store.close()
        server.stop()


async def test_rate_limit_holds_when_a_send_is_delayed(tmp_path: Path) -> None:
    """A send delayed after the limiter (slow breaker store, busy loop, new connection)
    must not let 3 requests reach the server within one second."""
    server = TimedReplay(rate_limit=2.0)
    server.start()
    try:
        settings = make_settings(
            server, tmp_path, fred_api_key=API_KEY, fred_requests_per_second=2.0
        )
        breakers = SlowFirstLookup(0.05, default_threshold=5, default_ttl=60)
        ids = ["WALCL", "WTREGEN", "DGS10", "DGS2"]
        began = time.monotonic()
        async with fred_client(settings, breakers) as http:
            url = f"{settings.fred_api_url}/series"
            await asyncio.gather(
                *(http.get(url, series_query(get(sid), API_KEY), series_id=sid) for sid in ids)
            )
            assert http.statuses == {200: len(ids)}
        assert time.monotonic() - began >= 1.0  # 4 requests at 2 per second
        assert breakers.lookups == len(ids)
        assert server.statuses == [200] * len(ids)
        times = sorted(server.times)
        gaps = [b - a for a, b in zip(times, times[2:], strict=False)]
        assert all(gap >= 0.99 for gap in gaps), gaps  # 429 above is the exact check
    finally:
        server.stop()


async def test_a_lying_count_cannot_make_paging_loop(
    keyed_settings: Settings,
    replay: ReplayServer,
    memory_store: DuckDBStore,
    new_store: Callable[[], DuckDBStore],
) -> None:
    # One short page that claims a million rows: the short page is the last one.
    row = {
        "realtime_start": "2026-08-06",
        "realtime_end": "2026-08-06",
        "date": "2026-08-05",
        "value": "6600000",
    }
    body = json.dumps({"count": 10**6, "offset": 0, "limit": 100000, "observations": [row]})
    replay.fail(OBSERVATIONS, status=200, body=body.encode(), times=-1)
    # Only vintages come from the observations endpoint, paged.
    report = await collect(collect_config(keyed_settings), memory_store, ["WALCL"], vintages=True)
    assert report.failures == []
    assert replay.count(OBSERVATIONS) == 1
    # A count that is not a number is a malformed answer, one line.
    replay.faults.clear()
    bad = json.dumps({"count": "many", "observations": [row]}).encode()
    replay.fail(OBSERVATIONS, status=200, body=bad, times=-1)
    report = await collect(
        collect_config(keyed_settings),
        DuckDBStore(":memory:"),
        ["WALCL"],
        start=date(2026, 1, 1),
        vintages=True,
    )
    assert report.series[0].error == "fred: WALCL: paging fields count/limit are not numbers"
