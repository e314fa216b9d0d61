"""A full keyless collect keeps every value the source served, and only those."""

from __future__ import annotations

import csv
from pathlib import Path

from liquidity.catalog.active import series_for_source
from liquidity.compose import collect_config
from liquidity.config import Settings
from liquidity.pipeline import collect
from liquidity.storage.duckdb import DuckDBStore
from tests.support.replay import ReplayServer

CSV_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "fred" / "csv"


def served_values(series_id: str) -> dict[str, float]:
    with (CSV_DIR / f"{series_id}.csv").open(newline="") as handle:
        return {d: float(v) for d, v in list(csv.reader(handle))[1:] if v.strip()}


async def test_every_served_value_is_stored_exactly(
    settings: Settings, replay: ReplayServer
) -> None:
    store = DuckDBStore(settings.duckdb_path)
    report = await collect(collect_config(settings), store)
    assert not report.failures
    assert replay.count("/fredgraph.csv") == 1  # all nine FRED series in one request
    assert report.requests == 5  # plus one per Yahoo symbol, one NY Fed, one DTS page
    by_id = {s.series_id: s for s in report.series}
    for spec in series_for_source("fred"):
        want = served_values(spec.id)
        got = {o.date.isoformat(): o.value for o in store.read(spec.id)}
        assert got == want, spec.id
        assert by_id[spec.id].written.inserted == len(want)
    # RRPONTSYD's fixture has 1735 empty cells, all on business days inside its range.
    assert by_id["RRPONTSYD"].missing == 1735
    assert by_id["WALCL"].missing == 0  # a weekly series' empty weekdays are not "missing"
    store.close()


async def test_only_the_sources_asked_for_get_a_client(
    settings: Settings, replay: ReplayServer
) -> None:
    store = DuckDBStore(settings.duckdb_path)
    report = await collect(collect_config(settings), store, ["DGS10", "VIX"])
    assert not report.failures
    assert set(report.by_source) == {"fred", "yahoo"}  # no NY Fed or Treasury client
    assert replay.count() == 2
    store.close()
