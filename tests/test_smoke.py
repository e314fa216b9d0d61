from __future__ import annotations

from liquidity.config import Settings
from liquidity.pipeline import collect
from liquidity.storage.duckdb import DuckDBStore
from tests.replay import ReplayServer


async def test_keyless_collect_all(settings: Settings, replay: ReplayServer) -> None:
    store = DuckDBStore(settings.duckdb_path)
    report = await collect(settings, store)
    assert not report.failures
    assert replay.count("/fredgraph.csv") == 1
    assert store.count() > 30000
    store.close()
