"""Keyed FRED asks its API once per release for metadata (``release/series`` lists a
release's ``last_updated`` and ``units`` for all its series in one request) and takes
the current values of every series that needs them in ONE ``fredgraph.csv`` request."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from liquidity.catalog.active import series_for_source
from liquidity.compose import collect_config
from liquidity.config import Settings
from liquidity.pipeline import SeriesReport, collect
from liquidity.storage.duckdb import DuckDBStore
from tests.support.replay import GOOD_KEYS, ReplayServer
from tests.support.settings import make_settings

FRED_IDS = [spec.id for spec in series_for_source("fred")]
OBSERVATIONS = "/fred/series/observations"
LISTING = "/fred/release/series"
GRAPH = "/fredgraph.csv"
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


def graph_ids(server: ReplayServer) -> list[list[str]]:
    """The ids of each ``fredgraph.csv`` request, in order."""
    with server._lock:
        return [q["id"][0].split(",") for p, q in server.requests if p.endswith(GRAPH)]


def h41_release(server: ReplayServer) -> None:
    """One H.4.1 release: a new Wednesday for its four series and a new stamp."""
    for sid in ("WALCL", "WLRRAL", "WDTGAL", "WTREGEN"):
        server.data.revise(sid, "2026-08-12", server.data.csv_rows(sid)[-1][1])
        server.data.last_updated[sid] = NEW_STAMP


async def test_keyed_full_collect_lists_each_shared_release_once(
    keyed_settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    report = await collect(collect_config(keyed_settings), memory_store, FRED_IDS)
    assert not report.failures
    assert replay.count(LISTING, "release_id=20") == 1  # WALCL WLRRAL WDTGAL WRESBAL WTREGEN
    assert replay.count(LISTING, "release_id=18") == 1  # DGS10 DGS2
    # RRPONTSYD, BAMLH0A0HYM2, VIXCLS: alone in theirs; SOFR, EFFR, IORB: release id unset
    assert metadata_requests(replay) == 6
    assert replay.count(OBSERVATIONS) == 0  # the API only for what it alone gives
    assert [sorted(ids) for ids in graph_ids(replay)] == [sorted(FRED_IDS)]
    # One metadata request per release, one for all the values.
    assert replay.count() == report.requests == fred_releases() + 1 == 9
    assert all(memory_store.read(sid) for sid in FRED_IDS)


async def test_keyed_refresh_with_nothing_new_is_one_request_per_release(
    keyed_settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    await collect(collect_config(keyed_settings), memory_store, FRED_IDS)
    replay.reset_counts()
    report = await collect(collect_config(keyed_settings), memory_store, FRED_IDS)

    assert not report.failures
    assert all(s.skipped_unchanged for s in report.series)
    assert replay.count(OBSERVATIONS) == replay.count(GRAPH) == 0
    assert replay.count() == report.requests == fred_releases() == 8


async def test_a_new_walcl_stamp_fetches_walcl_only(
    keyed_settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    await collect(collect_config(keyed_settings), memory_store, FRED_IDS)
    replay.data.last_updated["WALCL"] = NEW_STAMP
    replay.reset_counts()
    report = await collect(collect_config(keyed_settings), memory_store, FRED_IDS)

    assert not report.failures
    assert graph_ids(replay) == [["WALCL"]]
    assert replay.count() == fred_releases() + 1
    skipped = {s.series_id for s in report.series if s.skipped_unchanged}
    assert skipped == set(FRED_IDS) - {"WALCL"}
    assert memory_store.states()["WALCL"].last_updated == NEW_STAMP


async def test_a_refresh_after_one_h41_release_is_one_request_more_than_nothing_new(
    keyed_settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    await collect(collect_config(keyed_settings), memory_store, FRED_IDS)
    replay.reset_counts()
    await collect(collect_config(keyed_settings), memory_store, FRED_IDS)
    nothing_new = replay.count()
    h41_release(replay)
    replay.reset_counts()
    report = await collect(collect_config(keyed_settings), memory_store, FRED_IDS)

    assert not report.failures
    assert replay.count() == report.requests == nothing_new + 1
    assert [sorted(ids) for ids in graph_ids(replay)] == [["WALCL", "WDTGAL", "WLRRAL", "WTREGEN"]]
    h41 = {s.series_id: s for s in report.series if not s.skipped_unchanged}
    assert h41.keys() == {"WALCL", "WDTGAL", "WLRRAL", "WTREGEN"}
    assert all(s.written.inserted == 1 for s in h41.values())
    assert all(memory_store.read(sid)[-1].date.isoformat() == "2026-08-12" for sid in h41)


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
    assert replay.count("/fred/series", "series_id=WLRRAL") == 1  # its metadata
    assert graph_ids(replay) == [["WALCL", "WLRRAL"]]
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


async def test_a_unit_of_another_dimension_is_refused_though_fredgraph_has_values(
    keyed_settings: Settings, replay: ReplayServer, memory_store: DuckDBStore
) -> None:
    # fredgraph.csv carries no unit: the listing's is what decides, and a wrong one
    # (chained dollars are not nominal ones) stores nothing of that series.
    replay.data.units["WALCL"] = "Billions of Chained 2017 Dollars"
    report = await collect(collect_config(keyed_settings), memory_store, ["WALCL", "WTREGEN"])

    errors = {s.series_id: s.error for s in report.series}
    assert errors["WALCL"] is not None and "cannot be USD millions" in errors["WALCL"]
    assert errors["WTREGEN"] is None
    assert not memory_store.read("WALCL") and memory_store.read("WTREGEN")


async def test_a_series_is_stored_while_others_wait_their_turn(tmp_path: Path) -> None:
    # Under FRED's 2/s the lone series' metadata (VIXCLS, BAMLH0A0HYM2) is sent a second
    # or two after the H.4.1 listing: the H.4.1 series are stored meanwhile, not after.
    server = ReplayServer(rate_limit=2.0).start()
    store = DuckDBStore(":memory:")
    try:
        settings = make_settings(
            # At 1/s (below the server's 2/s) the last requests come seconds after the H.4.1
            # listing: room for a loaded machine to store its series before them.
            server,
            tmp_path,
            fred_api_key=next(iter(GOOD_KEYS)),
            fred_requests_per_second=1.0,
        )
        sent_when_stored: dict[str, int] = {}  # requests the server had seen by then

        def stored(report: SeriesReport) -> None:
            sent_when_stored[report.series_id] = server.count()

        report = await collect(collect_config(settings), store, FRED_IDS, on_progress=stored)
        assert not report.failures and 429 not in server.statuses
        total = fred_releases() + 1  # one metadata request per release, one for the values
        assert report.requests == total
        # Whichever release answers first (the order of requests is the scheduler's), its
        # series are stored before the last request goes; a collect that stored only at
        # the end would have seen every request by then.
        assert min(sent_when_stored.values()) < total
    finally:
        store.close()
        server.stop()
