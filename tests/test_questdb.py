"""Against a real QuestDB (LIQUIDITY_TEST_QUESTDB_URL); the contract suite runs there too."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from liquidity import query
from liquidity.errors import StorageError
from liquidity.models import Observation
from liquidity.pipeline import collect
from liquidity.storage.duckdb import DuckDBStore
from liquidity.storage.questdb import CURSORS, FETCH, OBS, QuestDBStore, schema_problems
from liquidity.storage.questdb_rest import Column
from tests.conftest import make_settings
from tests.questdb_env import needs_questdb, questdb_settings, questdb_store
from tests.replay import ReplayServer

T0 = datetime(2026, 8, 6, 20, 30, tzinfo=UTC)


def test_schema_problems_name_each_difference() -> None:
    good = [Column("ts", "TIMESTAMP", True, True), Column("name", "SYMBOL", False, True),
            Column("position", "TIMESTAMP")]  # fmt: skip
    assert schema_problems(CURSORS, good) == []
    bad = [Column("ts", "TIMESTAMP", False, False), Column("name", "STRING", False, True)]
    assert schema_problems(CURSORS, bad) == [
        "ts is not the designated timestamp", "column name is STRING, expected SYMBOL",
        "missing column position",
    ]  # fmt: skip


@needs_questdb
def test_init_creates_wal_tables_with_dedup(tmp_path: Path) -> None:
    with questdb_store(tmp_path) as store:
        inner: QuestDBStore = store.inner
        created = inner.init_schema()
        prefix = inner.prefix
        assert set(created) == {prefix + t for t in (OBS, FETCH, CURSORS)}
        assert inner.init_schema() == []  # idempotent
        wal = inner.rest.exec(f"SELECT name FROM wal_tables() WHERE name = '{prefix}{OBS}'")
        assert wal, "observations must be a WAL table"
        for table in (OBS, FETCH, CURSORS):
            assert schema_problems(table, inner.rest.columns(prefix + table)) == []


@needs_questdb
def test_existing_table_with_another_schema_is_refused(tmp_path: Path) -> None:
    settings = questdb_settings(tmp_path)
    store = QuestDBStore(settings)
    name = settings.questdb_table_prefix + OBS
    store.rest.exec(
        f"CREATE TABLE {name} (ts TIMESTAMP, x DOUBLE) TIMESTAMP(ts) PARTITION BY YEAR WAL"
    )
    try:
        with pytest.raises(StorageError, match="different schema"):
            store.init_schema()
    finally:
        store.rest.exec(f"DROP TABLE IF EXISTS {name}")
        store.close()


@needs_questdb
def test_rewrite_is_idempotent_at_the_server(tmp_path: Path) -> None:
    with questdb_store(tmp_path) as store:
        row = Observation("WALCL", date(2026, 8, 5), 1.0, date(2026, 8, 6), T0, "fred")
        assert store.write([row]).inserted == 1
        # Bypass classification: a raw replay of the same key must be deduplicated.
        store.inner._send(store.inner._table(OBS), [({"series_id": "WALCL", "source": "fred"},
                          {"value": 1.0}, datetime(2026, 8, 5, tzinfo=UTC))])  # fmt: skip
        count = store.inner.rest.exec(f"SELECT count() FROM {store.inner._table(OBS)}")
        assert count == [[1]]


@needs_questdb
async def test_net_liquidity_identical_to_duckdb(replay: ReplayServer, tmp_path: Path) -> None:
    sources = make_settings(replay, tmp_path)  # collect takes the store as an argument
    ids = ["WALCL", "WLRRAL", "WDTGAL", "RRPONTSYD", "WTREGEN"]
    duck = DuckDBStore(tmp_path / "d.duckdb")
    await collect(sources, duck, ids)
    with questdb_store(tmp_path) as quest:
        report = await collect(sources, quest, ids)
        assert not report.failures and not any(s.written.spooled for s in report.series)
        as_of = datetime(2024, 3, 15, 16, 0, tzinfo=UTC)
        for variant in ("weekly", "daily"):
            for moment in (None, as_of):
                ours = query.net_liquidity(quest, variant, as_of=moment)
                theirs = query.net_liquidity(duck, variant, as_of=moment)
                assert ours == theirs and len(ours) > 100
    duck.close()
