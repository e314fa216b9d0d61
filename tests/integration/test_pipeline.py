"""A full keyless collect keeps every value the source served, and only those."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime
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


async def test_a_writer_thread_stores_the_same_one_write_at_a_time(
    settings: Settings, replay: ReplayServer
) -> None:
    """With ``writer_thread`` the writes leave the event loop for one thread of their own:
    the same rows and report, every write whole before the next starts."""
    import threading

    from liquidity.models import Observation, WriteResult

    class Watched(DuckDBStore):
        def __init__(self, path: Path) -> None:
            super().__init__(path)
            self.threads: set[int] = set()
            self.inside = 0
            self.overlapped = False

        def write(
            self, observations: Sequence[Observation], *, revision_known_at: datetime | None = None
        ) -> WriteResult:
            self.threads.add(threading.get_ident())
            self.inside += 1
            self.overlapped |= self.inside > 1
            try:
                return super().write(observations, revision_known_at=revision_known_at)
            finally:
                self.inside -= 1

    store = Watched(settings.duckdb_path)
    seen: list[str] = []
    report = await collect(
        collect_config(settings),
        store,
        writer_thread=True,
        on_progress=lambda r: seen.append(r.series_id),
    )
    assert not report.failures
    assert store.threads and threading.get_ident() not in store.threads
    assert len(store.threads) == 1 and not store.overlapped
    assert sorted(seen) == sorted(s.series_id for s in report.series)
    by_id = {s.series_id: s for s in report.series}
    for spec in series_for_source("fred"):
        want = served_values(spec.id)
        assert {o.date.isoformat(): o.value for o in store.read(spec.id)} == want, spec.id
        assert by_id[spec.id].written.inserted == len(want)
    store.close()
