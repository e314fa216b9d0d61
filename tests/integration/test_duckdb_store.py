"""DuckDB specifics beyond the store contract: stores made by earlier versions, threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from liquidity.compose import store_config
from liquidity.config import Settings
from liquidity.storage import open_store
from liquidity.storage.duckdb import DuckDBStore
from tests.support.cli import cli_env, run_cli
from tests.support.observations import WED, obs
from tests.support.replay import ReplayServer

# The table as stores created before 0.1 had it: with a PRIMARY KEY.
KEYED_TABLE = """
CREATE TABLE observations (
    series_id VARCHAR NOT NULL, date DATE NOT NULL, value DOUBLE NOT NULL,
    realtime_start DATE NOT NULL, known_at TIMESTAMP NOT NULL, source VARCHAR NOT NULL,
    ingested_at TIMESTAMP NOT NULL, revision BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (series_id, date, realtime_start)
)
"""
OLD_KNOWN = datetime(2026, 8, 6, 20, 30)  # naive UTC, as stored


def test_a_store_with_the_old_primary_key_keeps_working(tmp_path: Path) -> None:
    """Its key on (series_id, date, realtime_start) would refuse a value revised on the
    day it was first seen: the table is rebuilt without it, its rows kept as they were."""
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(KEYED_TABLE)
        con.execute(
            "INSERT INTO observations VALUES ('WALCL', ?, 7.0, ?, ?, 'fred', ?, false)",
            [WED - timedelta(weeks=9), date(2026, 8, 6), OLD_KNOWN, OLD_KNOWN],
        )
    store = DuckDBStore(path)
    keys = "SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
    assert store._query(keys + " AND table_name = 'observations'", []) == [(0,)]
    (old,) = store.read("WALCL")
    assert (old.value, old.known_at) == (7.0, OLD_KNOWN.replace(tzinfo=UTC))
    rows = [obs(100.0 + i, WED - timedelta(weeks=i)) for i in range(3)]
    assert store.write(rows).inserted == 3
    assert store.write(rows).unchanged == 3
    seen = datetime(2026, 8, 6, 22, tzinfo=UTC)
    same_day = store.write([obs(99.0)], revision_known_at=seen)  # same realtime_start
    assert (same_day.revised, same_day.inserted) == (1, 0)
    assert store.read("WALCL", as_of=seen - timedelta(seconds=1))[-1].value == 100.0
    later = store.write([obs(98.0, rs=date(2026, 8, 13))], revision_known_at=seen)
    assert later.revised == 1
    assert store.count() == 6 and store.read("WALCL")[-1].value == 98.0
    store.close()
    reopened = DuckDBStore(path)  # the rebuild happens once; the rows stay
    assert reopened.count() == 6
    reopened.close()


def test_new_stores_have_no_index_and_stay_unique(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "new.duckdb")
    keys = "SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
    assert store._query(keys + " AND table_name = 'observations'", []) == [(0,)]
    batch = [obs(1.0, WED - timedelta(weeks=i % 5)) for i in range(20)]  # each date 4 times
    store.write(batch)
    store.write(batch)
    store.write([obs(2.0)])
    [(rows, keys)] = store._query(
        "SELECT count(*), count(DISTINCT (series_id, date, realtime_start, known_at)) "
        "FROM observations",
        [],
    )
    assert rows == keys == 5
    store.close()


def test_threads_come_from_settings(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, duckdb_path=tmp_path / "t.duckdb")
    store = open_store(store_config(settings))
    assert isinstance(store, DuckDBStore)
    assert store._query("SELECT current_setting('threads')", []) == [(1,)]
    store.close()
    more = DuckDBStore(tmp_path / "t.duckdb", threads=2)
    assert more._query("SELECT current_setting('threads')", []) == [(2,)]
    more.close()


def test_threads_writing_the_same_rows_store_them_once(tmp_path: Path) -> None:
    path = tmp_path / "threads.duckdb"
    DuckDBStore(path).close()
    batch = [obs(float(i), WED - timedelta(days=i)) for i in range(500)]
    start = threading.Barrier(4)

    def write() -> int:
        store = DuckDBStore(path)  # connections of one process share the database
        start.wait()
        try:
            return store.write(batch).inserted
        finally:
            store.close()

    with ThreadPoolExecutor(4) as pool:
        inserted = list(pool.map(lambda _: write(), range(4)))
    assert sorted(inserted) == [0, 0, 0, 500]
    store = DuckDBStore(path)
    assert store._query("SELECT count(*) FROM observations", []) == [(500,)]
    store.close()


def test_failed_commit_reports_its_cause_per_series(replay: ReplayServer, tmp_path: Path) -> None:
    # An existing store whose .wal cannot be created: a dangling symlink stands where it goes
    # (root ignores permission bits, so a read-only directory would not show it).
    db = tmp_path / "s.duckdb"
    DuckDBStore(db).close()
    (tmp_path / "s.duckdb.wal").symlink_to(tmp_path / "missing" / "dir" / "wal")
    done = run_cli(["collect", "WALCL", "DGS10"], cli_env(replay, db))
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert [e.split(":")[1].strip() for e in errors] == ["WALCL", "DGS10"], done.stderr
    for line in errors:
        assert "DuckDB write failed" in line and "s.duckdb.wal" in line, line
    assert "unexpected" not in done.stderr and "cannot rollback" not in done.stderr


def test_a_first_batch_is_stored_as_given_whatever_repeats_across_its_columns(
    tmp_path: Path,
) -> None:
    """Nothing stored yet: the batch goes in as it is. Columns with one value throughout
    (series, source, realtime_start, even a date shared by two series) and one-row
    batches come out as they went in."""
    store = DuckDBStore(tmp_path / "first.duckdb")
    later = datetime(2026, 8, 7, 12, tzinfo=UTC)
    two_series = [obs(1.0, WED, sid="WALCL"), obs(2.0, WED, known=later, sid="WLRRAL")]
    weeks = [obs(float(i), WED - timedelta(weeks=i), sid="WDTGAL") for i in range(1, 4)]
    assert store.write(two_series).inserted == 2
    assert store.write(weeks).inserted == 3
    assert store.write([obs(9.0, WED, sid="WTREGEN")]).inserted == 1
    for batch in (two_series, weeks, [obs(9.0, WED, sid="WTREGEN")]):
        for row in batch:
            assert row in store.vintages(row.series_id)
    assert store.count() == 6
    assert store.write(weeks).unchanged == 3  # stored now: compared, not inserted again
    store.close()


def test_a_batch_past_the_numpy_threshold_is_stored_and_classified_the_same(
    tmp_path: Path,
) -> None:
    """A backfill-sized batch goes to DuckDB as numpy arrays, a collect's as lists: the
    same rows stored, the same classification, first load and revision alike."""
    from liquidity.models import Observation
    from liquidity.storage.duckdb import BIG_BATCH

    n = BIG_BATCH + 5
    known = datetime(2026, 1, 2, tzinfo=UTC)
    first = date(1960, 1, 1)

    def batch(bump: int) -> list[Observation]:
        return [
            Observation(
                "BIG",
                first + timedelta(days=i),
                float(i + (bump if i % 2 else 0)),
                first + timedelta(days=i),
                known + timedelta(days=bump),
                "fred",
            )
            for i in range(n)
        ]

    for size in (n, BIG_BATCH - 1):  # through arrays, then through lists
        store = DuckDBStore(tmp_path / f"big{size}.duckdb", lean=size == n)
        try:
            rows = batch(0)[:size]
            assert store.write(rows).inserted == size
            again = store.write(batch(1)[:size])  # every other value revised
            assert (again.inserted, again.revised, again.unchanged) == (
                0,
                size // 2,
                size - size // 2,
            )
            latest = store.read("BIG")
            assert [o.value for o in latest] == [o.value for o in batch(1)[:size]]
            assert len(store.vintages("BIG")) == size + size // 2
        finally:
            store.close()
