"""Optional store capabilities (``storage.base``: ``HasSchema``, ``Spooled``) are found
through the wrappers around a store (the spool, the daemon's timing), and the commands
that use them find them too."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime
from pathlib import Path

from prometheus_client import CollectorRegistry, Histogram

from liquidity.compose import questdb_config
from liquidity.config import Settings
from liquidity.models import Observation
from liquidity.serve.daemon import TimedStore
from liquidity.storage.base import layers, schema_of, spool_of
from liquidity.storage.duckdb import DuckDBStore
from liquidity.storage.questdb import QuestDBStore
from liquidity.storage.spool import Spool, SpoolingStore
from tests.support.cli import cli_env, run_cli
from tests.support.questdb_env import drop_tables, questdb_settings
from tests.support.questdb_server import QuestDBServer
from tests.support.replay import ReplayServer

T0 = datetime(2026, 8, 6, 20, 30, tzinfo=UTC)
ROW = Observation("WALCL", date(2026, 8, 5), 1.0, date(2026, 8, 6), T0, "fred")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_capabilities_are_found_through_wrappers_and_timed_store_forwards(
    tmp_path: Path,
) -> None:
    duck = DuckDBStore(":memory:")
    assert schema_of(duck) is None and spool_of(duck) is None
    spooled = SpoolingStore(duck, Spool(tmp_path / "s.db"))
    registry = CollectorRegistry()
    timed = TimedStore(spooled, Histogram("t_seconds", "timed writes", registry=registry))
    try:
        assert list(layers(timed)) == [timed, spooled, duck]
        assert spool_of(timed) is spooled and schema_of(timed) is None
        assert timed.write([ROW]).inserted == 1
        assert registry.get_sample_value("t_seconds_count") == 1.0  # the write was timed
        timed.record_fetch("WALCL", T0, last_updated="stamp")
        timed.set_cursor("published", T0)
        assert timed.read("WALCL") == duck.read("WALCL") == [ROW]
        assert timed.latest(["WALCL"]) == {"WALCL": ROW}
        assert timed.vintages("WALCL") == duck.vintages("WALCL") == [ROW]
        assert [c.observation for c in timed.changes(None)] == [ROW]
        assert timed.get_cursor("published") == T0
        assert timed.states()["WALCL"].last_updated == "stamp"
        assert spooled.spool_depth() == (0, 0)
        assert registry.get_sample_value("t_seconds_count") == 1.0  # only writes are timed
    finally:
        timed.close()


def test_questdb_schema_is_found_behind_the_spool(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, store="questdb", questdb_http_port=closed_port())
    quest = QuestDBStore(questdb_config(settings))  # nothing asked of the server until used
    store = SpoolingStore(quest, Spool(tmp_path / "s.db"))
    try:
        assert schema_of(store) is quest and spool_of(store) is store
    finally:
        store.close()


def test_db_init_creates_questdb_tables_then_finds_them(
    questdb_server: QuestDBServer, replay: ReplayServer, tmp_path: Path
) -> None:
    settings = questdb_settings(questdb_server, tmp_path)
    prefix = settings.questdb_table_prefix
    env = cli_env(
        replay,
        tmp_path / "unused.duckdb",
        LIQUIDITY_STORE="questdb",
        LIQUIDITY_QUESTDB_HOST=settings.questdb_host,
        LIQUIDITY_QUESTDB_HTTP_PORT=str(settings.questdb_http_port),
        LIQUIDITY_QUESTDB_TLS=str(settings.questdb_tls).lower(),
        LIQUIDITY_QUESTDB_TABLE_PREFIX=prefix,
        LIQUIDITY_SPOOL_PATH=str(settings.spool_path),
    )
    if settings.questdb_user and settings.questdb_password:
        env["LIQUIDITY_QUESTDB_USER"] = settings.questdb_user
        env["LIQUIDITY_QUESTDB_PASSWORD"] = settings.questdb_password.get_secret_value()
    try:
        first = run_cli(["db", "init"], env)
        assert first.returncode == 0, first.stderr
        created = first.stdout.strip().removeprefix("created: ").split(", ")
        assert sorted(created) == sorted(
            f"{prefix}{t}" for t in ("observations", "fetch_state", "cursors")
        )
        again = run_cli(["db", "init"], env)
        assert again.returncode == 0, again.stderr
        assert again.stdout.strip() == "tables exist and match"
    finally:
        drop_tables(questdb_server, prefix)


def test_db_init_and_flush_spool_on_duckdb_have_nothing_to_do(
    replay: ReplayServer, tmp_path: Path
) -> None:
    env = cli_env(replay, tmp_path / "d.duckdb")
    done = run_cli(["db", "init"], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "duckdb: tables are created on open; nothing to do"
    flushed = run_cli(["db", "flush-spool"], env)
    assert (flushed.returncode, flushed.stdout.strip()) == (0, "this store has no spool")
