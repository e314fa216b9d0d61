"""Against a real QuestDB (the session's ``questdb_server``); the contract suite runs there too."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from liquidity import clock, query
from liquidity.compose import collect_config, questdb_config
from liquidity.errors import StorageError
from liquidity.models import Observation
from liquidity.pipeline import collect
from liquidity.storage.duckdb import DuckDBStore
from liquidity.storage.questdb import CURSORS, FETCH, OBS, QuestDBStore, schema_problems
from liquidity.storage.questdb_rest import Column, QuestDBRest, sql_ts
from liquidity.storage.spool import Spool, SpoolingStore
from liquidity.window import EARLIEST, LATEST, Window
from tests.support.fake_questdb import FaultyQuestDB
from tests.support.questdb_env import drop_tables, questdb_settings, questdb_store
from tests.support.questdb_server import QuestDBServer
from tests.support.replay import ReplayServer
from tests.support.settings import make_settings

T0 = datetime(2026, 8, 6, 20, 30, tzinfo=UTC)
WED = date(2026, 8, 5)
NEW_YORK = ZoneInfo("America/New_York")


def test_schema_problems_name_each_difference() -> None:
    good = [
        Column("ts", "TIMESTAMP", True, True),
        Column("name", "SYMBOL", False, True),
        Column("position", "TIMESTAMP"),
    ]
    assert schema_problems(CURSORS, good) == []
    bad = [Column("ts", "TIMESTAMP", False, False), Column("name", "STRING", False, True)]
    assert schema_problems(CURSORS, bad) == [
        "ts is not the designated timestamp",
        "column name is STRING, expected SYMBOL",
        "missing column position",
    ]


def test_init_creates_wal_tables_with_dedup(questdb_server: QuestDBServer, tmp_path: Path) -> None:
    with questdb_store(questdb_server, tmp_path) as store:
        inner: QuestDBStore = store.inner
        created = inner.init_schema()
        prefix = inner.prefix
        assert set(created) == {prefix + t for t in (OBS, FETCH, CURSORS)}
        assert inner.init_schema() == []  # idempotent
        wal = inner.rest.exec(f"SELECT name FROM wal_tables() WHERE name = '{prefix}{OBS}'")
        assert wal, "observations must be a WAL table"
        for table in (OBS, FETCH, CURSORS):
            assert schema_problems(table, inner.rest.columns(prefix + table)) == []


def test_existing_table_with_another_schema_is_refused(
    questdb_server: QuestDBServer, tmp_path: Path
) -> None:
    settings = questdb_settings(questdb_server, tmp_path)
    store = QuestDBStore(questdb_config(settings))
    name = settings.questdb_table_prefix + OBS
    store.rest.exec(
        f"CREATE TABLE {name} (ts TIMESTAMP, x DOUBLE) TIMESTAMP(ts) PARTITION BY YEAR WAL"
    )
    try:
        with pytest.raises(StorageError, match="different schema"):
            store.init_schema()
    finally:
        store.close()
        drop_tables(questdb_server, settings.questdb_table_prefix)


def test_a_table_whose_keys_cannot_be_mended_is_refused(
    questdb_server: QuestDBServer, tmp_path: Path
) -> None:
    settings = questdb_settings(questdb_server, tmp_path)
    store = QuestDBStore(questdb_config(settings))
    name = settings.questdb_table_prefix + CURSORS
    store.rest.exec(
        f"CREATE TABLE {name} (ts TIMESTAMP, name SYMBOL, position TIMESTAMP) "
        "TIMESTAMP(ts) PARTITION BY YEAR BYPASS WAL"
    )
    try:
        with pytest.raises(StorageError, match="only supported for WAL tables"):
            store.init_schema()
    finally:
        store.close()
        drop_tables(questdb_server, settings.questdb_table_prefix)


def test_rewrite_is_idempotent_at_the_server(questdb_server: QuestDBServer, tmp_path: Path) -> None:
    from questdb import TimestampMicros

    with questdb_store(questdb_server, tmp_path) as store:
        inner: QuestDBStore = store.inner
        row = Observation("WALCL", WED, 1.0, date(2026, 8, 6), T0, "fred")
        assert store.write([row]).inserted == 1
        # Bypass classification: a raw row with every key column (ts, series_id,
        # realtime_start and known_at; without one it would be another key) replaces.
        rs = TimestampMicros(int(datetime(2026, 8, 6, tzinfo=UTC).timestamp() * 1_000_000))
        known = TimestampMicros(int(T0.timestamp() * 1_000_000))
        symbols = {"series_id": "WALCL", "source": "fred"}
        columns = {"value": 2.0, "realtime_start": rs, "known_at": known}
        inner._send(inner._table(OBS), [(symbols, columns, datetime(2026, 8, 5, tzinfo=UTC))])
        got = inner.rest.exec(f"SELECT count(), sum(value) FROM {inner._table(OBS)}")
        assert got == [[1, 2.0]]


def test_one_sender_serves_every_write(questdb_server: QuestDBServer, tmp_path: Path) -> None:
    """More writes than the client's burst threshold (25 senders in 5 s, an error here)."""
    with questdb_store(questdb_server, tmp_path) as store:
        inner: QuestDBStore = store.inner
        store.write([Observation("WALCL", WED, 0.0, date(2026, 8, 6), T0, "fred")])
        sender = inner._sender
        assert sender is not None
        for i in range(1, 30):
            day = WED - timedelta(weeks=i)
            store.write([Observation("WALCL", day, float(i), date(2026, 8, 6), T0, "fred")])
            store.record_fetch("WALCL", T0 + timedelta(seconds=i))
        assert inner._sender is sender
        assert len(store.read("WALCL")) == 30
    assert inner._sender is None  # closed with the store


def test_a_failed_send_reopens_and_loses_nothing(
    questdb_server: QuestDBServer, tmp_path: Path
) -> None:
    fake = FaultyQuestDB("pass", questdb_server.url)
    settings = questdb_settings(
        questdb_server, tmp_path, questdb_http_port=fake.port, questdb_retry_timeout=0
    )
    inner = QuestDBStore(questdb_config(settings))
    store = SpoolingStore(inner, Spool(settings.spool_path), cooldown=0)
    rows = [
        Observation("WALCL", WED - timedelta(weeks=i), float(i), date(2026, 8, 6), T0, "fred")
        for i in range(3)
    ]
    try:
        assert store.write(rows[:1]).inserted == 1
        first = inner._sender
        fake.mode = "ilp-down"
        assert store.write(rows[1:2]).spooled == 1
        assert inner._sender is None  # the failed sender is not kept
        fake.mode = "pass"
        assert store.write(rows[2:]).inserted == 1  # after replaying the spooled row
        assert inner._sender is not None and inner._sender is not first
        assert store.spool.depth() == (0, 0)
        assert sorted(o.value for o in store.read("WALCL")) == [0.0, 1.0, 2.0]
    finally:
        store.close()
        fake.stop()
        drop_tables(questdb_server, settings.questdb_table_prefix)


def test_client_clock_400_days_off_the_servers(
    questdb_server: QuestDBServer, tmp_path: Path
) -> None:
    """Every instant the store writes comes from our clock, none from the server's now()
    (CI also runs the whole suite under faketime, the server on the real clock)."""
    ahead = clock.now() + timedelta(days=400)
    with questdb_store(questdb_server, tmp_path) as store:
        inner: QuestDBStore = store.inner
        (server_now,) = inner.rest.exec("SELECT now()")[0]
        assert abs(datetime.fromisoformat(server_now) - ahead) > timedelta(days=399)
        with clock.frozen(ahead):
            store.write([Observation("WALCL", WED, 1.0, date(2026, 8, 6), T0, "fred")])
            store.record_fetch("WALCL", clock.now(), last_updated="a")
            store.set_cursor("publish", clock.now())
        (change,) = store.changes(None)
        assert change.ingested_at == ahead and store.get_cursor("publish") == ahead
        with clock.frozen(ahead + timedelta(seconds=1)):
            store.write(
                [Observation("WALCL", WED, 2.0, date(2026, 8, 7), T0, "fred")],
                revision_known_at=clock.now(),
            )
            store.record_fetch("WALCL", clock.now(), last_updated="b")
        (revised,) = store.changes(ahead)
        assert revised.observation.value == 2.0 and revised.revision
        assert store.states()["WALCL"].last_updated == "b"
        assert store.read("WALCL", as_of=ahead)[0].value == 1.0


async def test_net_liquidity_identical_to_duckdb(
    questdb_server: QuestDBServer, replay: ReplayServer, tmp_path: Path
) -> None:
    sources = make_settings(replay, tmp_path)  # collect takes the store as an argument
    ids = ["WALCL", "WLRRAL", "WDTGAL", "RRPONTSYD", "WTREGEN"]
    duck = DuckDBStore(tmp_path / "d.duckdb")
    await collect(collect_config(sources), duck, ids)
    with questdb_store(questdb_server, tmp_path) as quest:
        report = await collect(collect_config(sources), quest, ids)
        assert not report.failures and not any(s.written.spooled for s in report.series)
        as_of = datetime(2024, 3, 15, 16, 0, tzinfo=UTC)
        for variant in ("weekly", "daily"):
            for moment in (None, as_of):
                ours = query.net_liquidity(quest, variant, Window(as_of=moment))
                theirs = query.net_liquidity(duck, variant, Window(as_of=moment))
                assert ours == theirs and len(ours) > 100
    duck.close()


def test_timestamp_literals_have_four_digit_years() -> None:
    assert sql_ts(date(1, 1, 1)) == "'0001-01-01T00:00:00.000000Z'"
    assert sql_ts(LATEST) == "'9999-12-31T23:59:59.999999Z'"
    assert sql_ts(datetime(2026, 8, 6, 16, 30, tzinfo=NEW_YORK)) == "'2026-08-06T20:30:00.000000Z'"


def test_the_widest_window_and_clamped_instants_reach_the_server(
    questdb_server: QuestDBServer, tmp_path: Path
) -> None:
    """``--start 0001-01-01``, ``--end 9999-12-31`` and an ``--as-of`` clamped to the first or
    last instant (liquidity/window.py): QuestDB refused year 1 written ``1-01-01``."""
    with questdb_store(questdb_server, tmp_path) as store:
        store.write([Observation("WALCL", WED, 1.0, date(2026, 8, 6), T0, "fred")])
        widest = store.read("WALCL", start=date(1, 1, 1), end=date(9999, 12, 31), as_of=LATEST)
        assert [o.value for o in widest] == [1.0]
        assert store.read("WALCL", start=date(1, 1, 1), as_of=EARLIEST) == []
        assert store.latest(as_of=EARLIEST) == {}
        assert set(store.latest(as_of=LATEST)) == {"WALCL"}
        assert len(store.changes(EARLIEST)) == 1


# observations as versions before 0.3 created it: known_at not among the keys.
OLD_KEYS_TABLE = """CREATE TABLE {name} (
    ts TIMESTAMP, series_id SYMBOL, value DOUBLE, realtime_start TIMESTAMP,
    known_at TIMESTAMP, source SYMBOL, ingested_at TIMESTAMP, revision BOOLEAN
) TIMESTAMP(ts) PARTITION BY YEAR WAL DEDUP UPSERT KEYS(ts, series_id, realtime_start)"""


def test_a_table_with_the_old_keys_keeps_working(
    questdb_server: QuestDBServer, tmp_path: Path
) -> None:
    settings = questdb_settings(questdb_server, tmp_path)
    name = settings.questdb_table_prefix + OBS
    rest = QuestDBRest(questdb_server.url, timeout=10)
    rest.exec(OLD_KEYS_TABLE.format(name=name))
    stored = [  # date, value, realtime_start, known_at: one date with two vintages
        ("2026-07-29", 6.0, "2026-07-30", "2026-07-30T20:30:00Z"),
        ("2026-07-29", 6.5, "2026-08-06", "2026-08-06T20:30:00Z"),
        ("2026-08-05", 7.0, "2026-08-06", "2026-08-06T20:30:00Z"),
    ]
    for day, value, rs, known in stored:
        row = f"'{day}', 'WALCL', {value}, '{rs}', '{known}', 'fred', '{known}', false"
        rest.exec(f"INSERT INTO {name} VALUES ({row})")
    assert rest.wait_for_wal(name, 10)
    rest.close()
    with questdb_store(
        questdb_server, tmp_path, questdb_table_prefix=settings.questdb_table_prefix
    ) as store:
        inner: QuestDBStore = store.inner
        assert [o.value for o in store.read("WALCL")] == [6.5, 7.0]
        assert [o.value for o in store.read("WALCL", as_of=T0 - timedelta(days=1))] == [6.0]
        assert schema_problems(OBS, inner.rest.columns(name)) == []  # keys upgraded
        seen = T0 + timedelta(hours=2)
        revised = Observation("WALCL", WED, 7.5, date(2026, 8, 6), T0, "fred")
        assert store.write([revised], revision_known_at=seen).revised == 1
        assert store.read("WALCL", as_of=seen - timedelta(seconds=1))[-1].value == 7.0
        assert store.read("WALCL")[-1].value == 7.5
        again = Observation("WALCL", date(2026, 7, 29), 6.5, date(2026, 8, 6), T0, "fred")
        assert store.write([again]).unchanged == 1
        assert inner.rest.exec(f"SELECT count() FROM {name}") == [[4]]


def test_a_write_waits_only_for_unapplied_rows_of_its_own_series(
    questdb_server: QuestDBServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write returns once QuestDB has it in its WAL; the next write of other series goes
    on without waiting for it to be applied, one of the same series waits (its pre-write read
    must see it), and so does any read."""
    with questdb_store(questdb_server, tmp_path) as store:
        inner: QuestDBStore = store.inner
        waits: list[str] = []
        wait_for_wal = inner.rest.wait_for_wal

        def counted(table: str, timeout: float) -> bool:
            waits.append(table)
            return wait_for_wal(table, timeout)

        monkeypatch.setattr(inner.rest, "wait_for_wal", counted)
        store.write([Observation("WALCL", WED, 1.0, date(2026, 8, 6), T0, "fred")])
        store.write([Observation("WDTGAL", WED, 2.0, date(2026, 8, 6), T0, "fred")])
        assert waits == []
        revised = Observation("WALCL", WED, 1.5, date(2026, 8, 6), T0, "fred")
        assert store.write([revised], revision_known_at=T0 + timedelta(hours=1)).revised == 1
        assert waits == [inner._table(OBS)]  # before its pre-write read
        assert [o.value for o in store.read("WALCL")] == [1.5]
        assert len(waits) == 2
        assert [o.value for o in store.read("WDTGAL")] == [2.0]
        assert len(waits) == 2  # nothing written since the last wait


def test_rows_are_queryable_by_anyone_once_the_store_is_closed(
    questdb_server: QuestDBServer, tmp_path: Path
) -> None:
    settings = questdb_settings(questdb_server, tmp_path)
    writer = QuestDBStore(questdb_config(settings))
    rows = [
        Observation(f"S{i}", WED - timedelta(days=d), float(d), WED, T0, "fred")
        for i in range(10)
        for d in range(1000)
    ]
    try:
        assert writer.write(rows).inserted == 10_000
    finally:
        writer.close()
    other = QuestDBRest(questdb_server.url, timeout=10)
    try:
        table = settings.questdb_table_prefix + OBS
        assert other.exec(f"SELECT count() FROM {table}") == [[10_000]]
    finally:
        other.close()
        drop_tables(questdb_server, settings.questdb_table_prefix)
