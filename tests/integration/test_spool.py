"""QuestDB unavailable: rows go to the local spool, and are replayed exactly once."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from liquidity.compose import collect_config, questdb_config, store_config
from liquidity.config import Settings
from liquidity.errors import StorageUnavailableError
from liquidity.models import Observation
from liquidity.pipeline import collect
from liquidity.storage import open_store
from liquidity.storage.duckdb import DuckDBStore
from liquidity.storage.spool import Spool, SpoolingStore
from tests.support.cli import cli_env, run_cli
from tests.support.fake_questdb import FaultyQuestDB
from tests.support.questdb_env import drop_tables
from tests.support.questdb_server import QuestDBServer
from tests.support.replay import ReplayServer
from tests.support.settings import make_settings

T0 = datetime(2026, 8, 6, 20, 30, tzinfo=UTC)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def questdb_settings(replay: ReplayServer, tmp_path: Path, port: int, prefix: str = "") -> Settings:
    return make_settings(
        replay,
        tmp_path,
        store="questdb",
        questdb_http_port=port,
        questdb_table_prefix=prefix,
        questdb_request_timeout=0.5,
        questdb_retry_timeout=0,
        spool_path=tmp_path / "spool.db",
    )


@pytest.fixture(params=["closed-port", "500", "hang", "ilp-down"])
def down_settings(
    request: pytest.FixtureRequest, replay: ReplayServer, tmp_path: Path
) -> Iterator[Settings]:
    if request.param == "closed-port":
        yield questdb_settings(replay, tmp_path, closed_port())
        return
    if request.param != "ilp-down":
        fake = FaultyQuestDB(request.param)
        yield questdb_settings(replay, tmp_path, fake.port)
        fake.stop()
        return
    # Queries reach the real server (tables of our own), ILP writes fail.
    server: QuestDBServer = request.getfixturevalue("questdb_server")
    fake, prefix = FaultyQuestDB("ilp-down", server.url), f"s{uuid.uuid4().hex[:10]}_"
    yield questdb_settings(replay, tmp_path, fake.port, prefix)
    fake.stop()
    drop_tables(server, prefix)


async def test_outage_spools_then_replays_exactly_once(
    replay: ReplayServer, tmp_path: Path, down_settings: Settings
) -> None:
    settings = down_settings
    store = open_store(store_config(settings))
    report = await collect(collect_config(settings), store, ["WALCL", "DGS10"])
    store.close()
    assert not report.failures
    spooled = {s.series_id: s.written.spooled for s in report.series}
    assert spooled["WALCL"] == 985 and spooled["DGS10"] > 4000
    assert all(s.written.inserted == 0 for s in report.series)

    # A later run against a store that works replays the spool first, in order.
    spool = Spool(settings.spool_path)
    assert spool.depth() == (4, sum(spooled.values()))  # 2 writes + 2 fetch records
    working = SpoolingStore(DuckDBStore(tmp_path / "after.duckdb"), spool)
    done, result = working.flush_spool()
    assert done == 4 and result.inserted == sum(spooled.values())
    assert spool.depth() == (0, 0)
    assert len(working.read("WALCL")) == 985
    assert working.states()["WALCL"].last_fetched_at is not None
    assert working.flush_spool() == (0, result.__class__())  # nothing replayed twice
    working.close()


async def test_a_hanging_store_costs_one_timeout_per_run(
    replay: ReplayServer, tmp_path: Path
) -> None:
    fake = FaultyQuestDB("hang")
    try:
        settings = questdb_settings(replay, tmp_path, fake.port)
        store = open_store(store_config(settings))
        report = await collect(
            collect_config(settings), store, ["WALCL", "DGS10", "DGS2", "VIXCLS"]
        )
        store.close()
        assert all(s.written.spooled for s in report.series)
        # states() timed out once (the planning read); every write and fetch record
        # after it went straight to the spool.
        assert len(fake.requests) == 1, fake.requests
    finally:
        fake.stop()


def test_replay_after_kill_between_write_and_delete(tmp_path: Path) -> None:
    """The confirmed write of an entry whose deletion was lost replays as a no-op."""
    spool = Spool(tmp_path / "s.db")
    inner = DuckDBStore(":memory:")
    rows = [Observation("WALCL", date(2026, 8, 5), 1.0, date(2026, 8, 6), T0, "fred")]
    row = ["WALCL", "2026-08-05", 1.0, "2026-08-06", T0.isoformat(), "fred"]
    spool.append("write", {"rows": [row], "revision_known_at": None})
    inner.write(rows)  # the replay reached the store, then the process died
    done, result = SpoolingStore(inner, spool).flush_spool()
    assert done == 1 and result.unchanged == 1 and result.written == 0
    assert inner.count() == 1


def test_order_is_kept_while_the_store_is_down(tmp_path: Path) -> None:
    class Flaky(DuckDBStore):
        down = True

        def write(self, *args: object, **kwargs: object) -> object:  # type: ignore[override]
            if self.down:
                raise StorageUnavailableError("down")
            return super().write(*args, **kwargs)  # type: ignore[arg-type]

    inner = Flaky(":memory:")
    store = SpoolingStore(inner, Spool(tmp_path / "s.db"), cooldown=0)
    first = [Observation("WALCL", date(2026, 8, 5), 1.0, date(2026, 8, 6), T0, "fred")]
    second = [Observation("WALCL", date(2026, 8, 5), 2.0, date(2026, 8, 7), T0, "fred")]
    assert store.write(first).spooled == 1
    inner.down = False
    # The spooled value goes in before the new one, so the new one is a revision of it.
    assert store.write(second, revision_known_at=T0 + timedelta(days=1)).revised == 1
    values = [c.observation.value for c in inner.changes(None)]
    assert values == [1.0, 2.0]


def test_states_fall_back_to_the_cached_copy(replay: ReplayServer, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.db")
    duck = DuckDBStore(":memory:")
    duck.write([Observation("WALCL", date(2026, 8, 5), 1.0, date(2026, 8, 6), T0, "fred")])
    assert SpoolingStore(duck, spool).states()["WALCL"].last_date == date(2026, 8, 5)
    settings = questdb_settings(replay, tmp_path, closed_port())
    from liquidity.storage.questdb import QuestDBStore

    down = SpoolingStore(QuestDBStore(questdb_config(settings)), spool)
    assert down.states()["WALCL"].last_date == date(2026, 8, 5)


def test_cli_says_rows_were_spooled(replay: ReplayServer, tmp_path: Path) -> None:
    env = cli_env(
        replay,
        tmp_path / "unused.duckdb",
        LIQUIDITY_STORE="questdb",
        LIQUIDITY_QUESTDB_HTTP_PORT=str(closed_port()),
        LIQUIDITY_QUESTDB_RETRY_TIMEOUT="0",
        LIQUIDITY_SPOOL_PATH=str(tmp_path / "spool.db"),
    )
    done = run_cli(["collect", "WALCL"], env)
    assert done.returncode == 0, done.stderr
    assert "985 rows spooled" in done.stderr and "flush-spool" in done.stderr
    flushed = run_cli(["db", "flush-spool"], env)
    assert flushed.returncode == 1
    assert "unreachable" in flushed.stderr and "2 entries still spooled" in flushed.stderr
    assert "Traceback" not in flushed.stderr
