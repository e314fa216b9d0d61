"""Keyed refresh asks FRED once per release: ``release/series`` lists a release's
``last_updated`` and ``units`` for all its series in one request."""

from __future__ import annotations

from collections import Counter

from liquidity.compose import collect_config
from liquidity.config import Settings
from liquidity.pipeline import collect
from liquidity.registry import series_for_source
from liquidity.storage.duckdb import DuckDBStore
from tests.support.replay import ReplayServer

FRED_IDS = [spec.id for spec in series_for_source("fred")]
OBSERVATIONS = "/fred/series/observations"
LISTING = "/fred/release/series"
NEW_STAMP = "2026-08-13 15:30:00-05"


def fred_releases() -> int:
    """Distinct FRED releases among our series (one per id; unset ids are their own)."""
    return len({spec.fred_release or spec.id for spec in series_for_source("fred")})


def metadata_requests(server: ReplayServer) -> int:
    """``fred/series`` only (``count`` matches the path as a substring)."""
    return server.count("/fred/series") - server.count(OBSERVATIONS)


def observation_series(server: ReplayServer) -> Counter[str]:
    with server._lock:
        return Counter(q["series_id"][0] for p, q in server.requests if p.endswith(OBSERVATIONS))


async def test_keyed_full_collect_lists_each_shared_release_once(
    keyed_settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    report = await collect(collect_config(keyed_settings), memory_store, FRED_IDS)
    assert not report.failures
    assert replay.count(LISTING, "release_id=20") == 1  # WALCL WLRRAL WDTGAL WRESBAL WTREGEN
    assert replay.count(LISTING, "release_id=18") == 1  # DGS10 DGS2
    # RRPONTSYD, BAMLH0A0HYM2, VIXCLS: alone in theirs; SOFR, EFFR, IORB: release id unset
    assert metadata_requests(replay) == 6
    assert observation_series(replay) == Counter(FRED_IDS)
    assert report.requests == fred_releases() + len(FRED_IDS)


async def test_keyed_refresh_with_nothing_new_is_one_request_per_release(
    keyed_settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    await collect(collect_config(keyed_settings), memory_store, FRED_IDS)
    replay.reset_counts()
    report = await collect(collect_config(keyed_settings), memory_store, FRED_IDS)

    assert not report.failures
    assert all(s.skipped_unchanged for s in report.series)
    assert replay.count(OBSERVATIONS) == 0
    assert replay.count() == report.requests == fred_releases() == 8


async def test_a_new_walcl_stamp_fetches_walcl_only(
    keyed_settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    await collect(collect_config(keyed_settings), memory_store, FRED_IDS)
    replay.data.last_updated["WALCL"] = NEW_STAMP
    replay.reset_counts()
    report = await collect(collect_config(keyed_settings), memory_store, FRED_IDS)

    assert not report.failures
    assert observation_series(replay) == Counter({"WALCL": 1})
    assert replay.count() == fred_releases() + 1
    skipped = {s.series_id for s in report.series if s.skipped_unchanged}
    assert skipped == set(FRED_IDS) - {"WALCL"}
    assert memory_store.states()["WALCL"].last_updated == NEW_STAMP


async def test_units_from_the_listing_are_checked_and_converted(
    keyed_settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    await collect(collect_config(keyed_settings), memory_store, ["WTREGEN"])
    millions = {o.date: o.value for o in memory_store.read("WTREGEN")}

    replay.data.units["WTREGEN"] = "Billions of U.S. Dollars"
    store = DuckDBStore(":memory:")
    try:
        await collect(collect_config(keyed_settings), store, ["WTREGEN"])
        billions = {o.date: o.value for o in store.read("WTREGEN")}
    finally:
        store.close()
    assert billions.keys() == millions.keys()
    assert all(abs(billions[d] - 1000 * millions[d]) < 1e-6 for d in millions)
    assert metadata_requests(replay) == 0  # the unit came from the release listing

    replay.data.units["WALCL"] = "Thousands of Widgets"
    store = DuckDBStore(":memory:")
    try:
        report = await collect(collect_config(keyed_settings), store, ["WALCL", "WTREGEN"])
    finally:
        store.close()
    errors = {s.series_id: s.error for s in report.series}
    assert errors["WALCL"] is not None and "unknown unit" in errors["WALCL"]
    assert errors["WTREGEN"] is None


async def test_a_series_missing_from_its_listing_asks_for_its_own_metadata(
    keyed_settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    replay.data.releases = {"20": {"series": ["WALCL", "WDTGAL", "WTREGEN"]}}  # no WLRRAL
    report = await collect(collect_config(keyed_settings), memory_store, ["WALCL", "WLRRAL"])

    assert not report.failures
    assert replay.count(LISTING) == 1
    assert replay.count("/fred/series", "series_id=WLRRAL") == 2  # metadata + observations
    assert memory_store.read("WLRRAL")


async def test_a_failing_listing_fails_its_release_only(
    keyed_settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    replay.fail(LISTING, match="release_id=18", status=400, times=-1)
    report = await collect(collect_config(keyed_settings), memory_store, FRED_IDS)

    assert {s.series_id for s in report.failures} == {"DGS10", "DGS2"}
    assert replay.count(LISTING, "release_id=18") == 1  # asked once, shared by both
    assert all(memory_store.read(sid) for sid in FRED_IDS if sid not in {"DGS10", "DGS2"})


async def test_keyless_full_collect_stays_one_request(
    settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    report = await collect(collect_config(settings), memory_store, FRED_IDS)
    assert not report.failures
    assert replay.count() == report.requests == 1
