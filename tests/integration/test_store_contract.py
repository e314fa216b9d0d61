"""The storage protocol's contract, run against every backend available."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from liquidity.models import Observation
from liquidity.storage.base import Store
from liquidity.storage.duckdb import DuckDBStore
from tests.support.observations import T0, WED, obs
from tests.support.questdb_env import questdb_store


@pytest.fixture(params=["duckdb-memory", "duckdb-file", "questdb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "questdb":  # the real server, started by the first test needing it
        with questdb_store(request.getfixturevalue("questdb_server"), tmp_path) as backend:
            yield backend
        return
    path = ":memory:" if request.param == "duckdb-memory" else tmp_path / "s.duckdb"
    duck = DuckDBStore(path)
    yield duck
    duck.close()


def test_write_is_idempotent(store: Store) -> None:
    rows = [obs(100.0 + i, WED - timedelta(weeks=i)) for i in range(10)]
    assert store.write(rows).inserted == 10
    again = store.write(rows)
    assert (again.inserted, again.revised, again.unchanged) == (0, 0, 10)
    assert len(store.read("WALCL")) == 10


def test_same_value_next_day_writes_nothing(store: Store) -> None:
    store.write([obs(100.0)])
    result = store.write([obs(100.0, rs=date(2026, 8, 7), known=T0 + timedelta(days=1))])
    assert result.unchanged == 1 and result.written == 0
    assert store.read("WALCL")[0].realtime_start == date(2026, 8, 6)


def test_float_noise_is_not_a_revision(store: Store) -> None:
    store.write([obs(6738190.0)])
    assert store.write([obs(6738190.0 * (1 + 1e-13), rs=date(2026, 8, 7))]).unchanged == 1


def test_changed_value_is_a_new_vintage(store: Store) -> None:
    store.write([obs(100.0)])
    seen = T0 + timedelta(days=7)
    result = store.write([obs(101.0, rs=date(2026, 8, 13))], revision_known_at=seen)
    assert result.revised == 1
    latest = store.read("WALCL")
    assert [o.value for o in latest] == [101.0]
    assert latest[0].known_at == seen  # a revision is known when we saw it
    # Both vintages are kept: what was known before the revision is still readable.
    assert store.read("WALCL", as_of=seen - timedelta(seconds=1))[0].value == 100.0
    assert store.read("WALCL", as_of=seen)[0].value == 101.0


def test_same_day_change_is_a_vintage_of_its_own(store: Store) -> None:
    """Two values of one date seen on one day (same realtime_start) are two vintages: the
    first is never overwritten (issue 14, item 4)."""
    first_seen, seen = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    store.write([obs(100.0)])
    result = store.write([obs(102.0)], revision_known_at=seen)
    assert (result.inserted, result.revised, result.unchanged) == (0, 1, 0)
    assert [o.value for o in store.read("WALCL", as_of=first_seen)] == [100.0]
    assert [(o.value, o.known_at) for o in store.read("WALCL", as_of=seen)] == [(102.0, seen)]
    assert [o.value for o in store.read("WALCL")] == [102.0]
    assert store.latest()["WALCL"].value == 102.0
    assert store.latest(as_of=first_seen)["WALCL"].value == 100.0
    first, revised = store.changes(None)
    assert (first.observation.value, first.revision) == (100.0, False)
    assert (revised.observation.value, revised.revision) == (102.0, True)
    # The now-current value again, later that day: nothing written.
    again = store.write([obs(102.0)], revision_known_at=seen + timedelta(hours=1))
    assert (again.revised, again.unchanged) == (0, 1)
    assert store.changes(revised.ingested_at) == []


def test_going_back_to_the_first_value_is_a_revision(store: Store) -> None:
    seen, back = T0 + timedelta(hours=2), T0 + timedelta(hours=3)
    store.write([obs(100.0)])
    store.write([obs(102.0)], revision_known_at=seen)
    result = store.write([obs(100.0)], revision_known_at=back)
    assert result.revised == 1
    assert [o.value for o in store.read("WALCL", as_of=back - timedelta(seconds=1))] == [102.0]
    assert [o.value for o in store.read("WALCL")] == [100.0]
    assert [c.observation.value for c in store.changes(None)] == [100.0, 102.0, 100.0]
    # The day after, that value again is no revision: the prior is the one known last.
    next_day = store.write([obs(100.0, rs=date(2026, 8, 7))], revision_known_at=back)
    assert next_day.unchanged == 1


def test_a_repeated_key_replaces_and_never_duplicates(store: Store) -> None:
    """Only a write of the very same key (realtime_start and known_at: an ALFRED
    re-backfill, a spool replay) replaces a row."""
    seen = T0 + timedelta(hours=2)
    store.write([obs(100.0)])
    store.write([obs(102.0)], revision_known_at=seen)
    replay = store.write([obs(103.0)], revision_known_at=seen)  # the key of the 102 row
    assert replay.revised == 1
    assert [o.value for o in store.read("WALCL", as_of=seen)] == [103.0]
    assert [o.value for o in store.read("WALCL", as_of=seen - timedelta(seconds=1))] == [100.0]
    vintage = store.write([obs(99.0)])  # no revision instant: the first row's own key
    assert vintage.revised == 1
    assert [o.value for o in store.read("WALCL", as_of=seen - timedelta(seconds=1))] == [99.0]
    assert [o.value for o in store.read("WALCL")] == [103.0]
    assert store.states()["WALCL"].rows == 2


def test_a_repeated_key_with_its_value_writes_nothing(store: Store) -> None:
    """A row repeating a stored key is compared with that row, not with a later-known one:
    a replay of an old write, or the first day's vintage again, is no revision."""
    seen = T0 + timedelta(hours=2)
    store.write([obs(100.0)])
    store.write([obs(102.0)], revision_known_at=seen)
    store.write([obs(105.0)], revision_known_at=seen + timedelta(hours=1))
    assert store.write([obs(100.0)]).unchanged == 1  # the first row's own key
    assert store.write([obs(102.0)], revision_known_at=seen).unchanged == 1
    assert [c.observation.value for c in store.changes(None)] == [100.0, 102.0, 105.0]


def test_a_batch_of_vintages_meets_the_row_known_last(store: Store) -> None:
    """Several rows per date in one batch take another path (DuckDB: STAGE_REPEATS); its
    prior too is, of the latest realtime_start, the row known last."""
    seen = T0 + timedelta(hours=2)
    store.write([obs(100.0)])
    store.write([obs(102.0)], revision_known_at=seen)
    batch = [obs(102.0), obs(102.0, rs=date(2026, 8, 7))]
    assert store.write(batch, revision_known_at=seen + timedelta(hours=1)).unchanged == 2
    batch = [obs(102.0, rs=date(2026, 8, 7)), obs(100.0, rs=date(2026, 8, 8))]
    result = store.write(batch, revision_known_at=seen + timedelta(days=2))
    assert (result.unchanged, result.revised) == (1, 1)
    assert [o.value for o in store.read("WALCL")] == [100.0]


def test_a_vintage_backfill_again_replaces_its_own_keys(store: Store) -> None:
    k1, k2 = T0, T0 + timedelta(days=7)
    rs1, rs2 = date(2026, 8, 6), date(2026, 8, 13)
    store.write([obs(1.0, rs=rs1, known=k1), obs(2.0, rs=rs2, known=k2)])
    result = store.write([obs(1.5, rs=rs1, known=k1), obs(2.0, rs=rs2, known=k2)])
    assert (result.inserted, result.revised, result.unchanged) == (0, 1, 1)
    assert store.states()["WALCL"].rows == 2
    assert [o.value for o in store.read("WALCL", as_of=k1)] == [1.5]
    assert [o.value for o in store.read("WALCL")] == [2.0]


def test_as_of_before_release_sees_nothing(store: Store) -> None:
    store.write([obs(100.0)])
    assert store.read("WALCL", as_of=T0 - timedelta(microseconds=1)) == []
    assert len(store.read("WALCL", as_of=T0)) == 1


def test_duplicates_within_a_batch_keep_the_last(store: Store) -> None:
    result = store.write([obs(1.0), obs(2.0)])
    assert result.inserted == 1
    assert store.read("WALCL")[0].value == 2.0


def test_read_window_and_order(store: Store) -> None:
    days = [WED - timedelta(weeks=i) for i in range(5)]
    store.write([obs(float(i), d) for i, d in enumerate(days)])
    got = store.read("WALCL", start=days[3], end=days[1])
    assert [o.date for o in got] == [days[3], days[2], days[1]]


def test_latest_per_series(store: Store) -> None:
    store.write([obs(1.0, WED - timedelta(weeks=1)), obs(2.0), obs(9.0, sid="WDTGAL")])
    latest = store.latest()
    assert latest["WALCL"].value == 2.0 and latest["WDTGAL"].value == 9.0
    assert set(store.latest(["WDTGAL"])) == {"WDTGAL"}
    assert store.latest(as_of=T0 - timedelta(days=1)) == {}


def test_record_fetch_keeps_stamp_across_errors(store: Store) -> None:
    store.write([obs(1.0)])
    store.record_fetch("WALCL", T0, last_updated="2026-08-06 15:31:02-05")
    store.record_fetch("WALCL", T0 + timedelta(hours=1), error="fred: HTTP 503")
    state = store.states()["WALCL"]
    assert state.last_updated == "2026-08-06 15:31:02-05"
    assert state.last_error == "fred: HTTP 503"
    assert state.last_success_at == T0
    assert state.last_fetched_at == T0 + timedelta(hours=1)
    assert state.rows == 1 and state.last_date == WED
    store.record_fetch("WALCL", T0 + timedelta(hours=2), last_updated="new")
    assert store.states()["WALCL"].last_error is None


def test_timestamps_round_trip_as_utc(store: Store) -> None:
    store.write([obs(1.0, known=datetime(2026, 8, 6, 16, 30, tzinfo=UTC))])
    known = store.read("WALCL")[0].known_at
    assert known.tzinfo is not None and known == datetime(2026, 8, 6, 16, 30, tzinfo=UTC)


def test_file_store_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "reopen.duckdb"
    first = DuckDBStore(path)
    first.write([obs(1.0)])
    first.close()
    second = DuckDBStore(path)
    assert len(second.read("WALCL")) == 1
    second.close()


def test_changes_feed_with_cursor(store: Store) -> None:
    assert store.changes(None) == []
    store.write([obs(100.0), obs(50.0, sid="WDTGAL")])
    first = store.changes(None)
    assert [(c.observation.series_id, c.revision) for c in first] == [
        ("WALCL", False),
        ("WDTGAL", False),
    ]
    cursor = first[-1].ingested_at
    store.set_cursor("publish", cursor)
    assert store.get_cursor("publish") == cursor
    assert store.changes(cursor) == []
    store.write([obs(100.0)])  # unchanged: not a change
    store.write([obs(101.0, rs=date(2026, 8, 13))], revision_known_at=T0 + timedelta(days=7))
    (revised,) = store.changes(store.get_cursor("publish"))
    assert revised.revision and revised.observation.value == 101.0
    assert revised.ingested_at > cursor


def test_changes_never_split_a_write(store: Store) -> None:
    store.write([obs(float(i), WED - timedelta(weeks=i)) for i in range(5)])
    store.write([obs(1.0, sid="WDTGAL")])
    page = store.changes(None, limit=1)
    assert len(page) == 5  # the whole first write, not the second
    assert len(store.changes(page[-1].ingested_at, limit=1)) == 1
    assert store.get_cursor("nobody") is None


def test_vintages_backfilled_after_a_plain_fetch_are_not_shadowed(store: Store) -> None:
    """A plain fetch on 2026-08-06 stores today's value B with an *estimated* known_at
    (the first release); ALFRED later brings the history: A first, revised to B."""
    first_release = datetime(2025, 6, 19, 20, 30, tzinfo=UTC)
    revision = datetime(2025, 6, 26, 20, 30, tzinfo=UTC)
    day = date(2025, 6, 18)
    store.write([obs(200.0, day, rs=date(2026, 8, 6), known=first_release)])
    vintages = [
        Observation("WALCL", day, 100.0, date(2025, 6, 19), first_release, "alfred"),
        Observation("WALCL", day, 200.0, date(2025, 6, 26), revision, "alfred"),
    ]
    store.write(vintages, revision_known_at=None)
    assert store.read("WALCL", as_of=first_release + timedelta(days=1))[0].value == 100.0
    assert store.read("WALCL", as_of=revision)[0].value == 200.0
    assert store.read("WALCL")[0].value == 200.0
    assert store.read("WALCL", as_of=first_release - timedelta(seconds=1)) == []


def test_a_batch_meets_only_the_stored_rows_it_covers(store: Store) -> None:
    """DuckDB compares a batch only with stored rows of its series and date span: rows
    at the span's edges, other series and a mixed batch must still classify right."""
    weeks = [WED - timedelta(weeks=i) for i in range(6)]
    store.write([obs(100.0 + i, day) for i, day in enumerate(weeks)])
    store.write([obs(1.0, day, sid="WDTGAL") for day in weeks])
    later = date(2026, 8, 20)
    edge = [obs(101.0, weeks[1], rs=later), obs(104.0, weeks[4], rs=later)]  # same values
    result = store.write([*edge, obs(2.0, weeks[2], rs=later, sid="WDTGAL")])
    assert (result.inserted, result.revised, result.unchanged) == (0, 1, 2)
    assert [o.value for o in store.read("WDTGAL")] == [1.0, 1.0, 1.0, 2.0, 1.0, 1.0]
    assert len(store.read("WALCL")) == 6


def test_vintages_returns_every_stored_row(store: Store) -> None:
    """The real-time view's input: every vintage, not only the latest per date."""
    seen = T0 + timedelta(days=7)
    store.write([obs(100.0), obs(90.0, WED - timedelta(weeks=1))])
    store.write([obs(101.0, rs=date(2026, 8, 13))], revision_known_at=seen)
    rows = sorted(store.vintages("WALCL"), key=lambda o: (o.date, o.known_at))
    assert [(o.date, o.value) for o in rows] == [
        (WED - timedelta(weeks=1), 90.0),
        (WED, 100.0),
        (WED, 101.0),
    ]
    assert rows[-1].known_at == seen
    assert [o.value for o in store.vintages("WALCL", end=WED - timedelta(days=1))] == [90.0]
    assert store.vintages("NOPE") == []
