"""The NautilusTrader path for real: a back-test engine receives our custom data at known_at."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

pytest.importorskip("nautilus_trader", reason="the `nautilus` extra is not installed")

import redis
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.common.actor import Actor
from nautilus_trader.config import LoggingConfig

from liquidity.config import Settings
from liquidity.publish.message import to_ns
from liquidity.publish.nautilus import (
    CLIENT_ID,
    LiquidityObservation,
    backtest_data,
    data_type,
)
from liquidity.publish.redis import publish_pending
from liquidity.storage.duckdb import DuckDBStore
from tests.support.observations import H41, weekly
from tests.support.redis_server import SHARED_URL
from tests.support.settings import publishing


class Recorder(Actor):  # type: ignore[misc]
    """Remembers each observation and the engine clock when it arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[LiquidityObservation, int]] = []

    def on_start(self) -> None:
        self.subscribe_data(data_type(), client_id=CLIENT_ID)

    def on_data(self, data: Any) -> None:
        self.seen.append((data, self.clock.timestamp_ns()))


def test_backtest_engine_receives_observations_when_they_became_known(
    prefix: str, memory_store: DuckDBStore
) -> None:
    weekly(memory_store, "2024-01-03", 7_700_000.0)
    weekly(memory_store, "2024-01-10", 7_690_000.0, H41 + timedelta(days=7))
    settings = Settings(_env_file=None, redis_url=SHARED_URL, redis_prefix=prefix)
    asyncio.run(publish_pending(publishing(settings), memory_store))

    client = redis.Redis.from_url(SHARED_URL)
    try:
        data = backtest_data(client, ["WALCL", "NETLIQ_WEEKLY"], prefix)
    finally:
        client.close()
    assert len(data) == 4

    engine = BacktestEngine(BacktestEngineConfig(logging=LoggingConfig(bypass_logging=True)))
    try:
        engine.add_data(data, client_id=CLIENT_ID)
        recorder = Recorder()
        engine.add_actor(recorder)
        engine.run()
    finally:
        engine.dispose()

    got = [(o.series_id, o.date, o.value, o.ts_event, o.ts_init, at) for o, at in recorder.seen]
    first, second = to_ns(H41), to_ns(H41 + timedelta(days=7))
    assert sorted(got) == sorted(
        [
            ("WALCL", "2024-01-03", 7_700_000.0, first, first, first),
            ("NETLIQ_WEEKLY", "2024-01-03", 6_400_000.0, first, first, first),
            ("WALCL", "2024-01-10", 7_690_000.0, second, second, second),
            ("NETLIQ_WEEKLY", "2024-01-10", 6_390_000.0, second, second, second),
        ]
    )
    # No look-ahead: the engine's clock had reached known_at when each value arrived.
    assert all(at >= o.ts_event for o, at in recorder.seen)
    assert datetime.fromtimestamp(first / 1e9, UTC) == H41


class LiveRecorder(Recorder):  # type: ignore[misc]
    def on_start(self) -> None:
        self.subscribe_data(data_type())  # the message bus only: the feed actor publishes


def test_live_node_gets_our_stream_through_the_feed_actor(
    prefix: str, memory_store: DuckDBStore
) -> None:
    from nautilus_trader.config import ImportableActorConfig, TradingNodeConfig
    from nautilus_trader.live.node import TradingNode

    feed = ImportableActorConfig(
        actor_path="liquidity.publish.nautilus:LiquidityFeedActor",
        config_path="liquidity.publish.nautilus:LiquidityFeedConfig",
        config={"redis_url": SHARED_URL, "prefix": prefix, "series": ["WALCL"], "start": "0"},
    )
    loop = asyncio.new_event_loop()  # the node's own loop: it stops it on dispose
    node = TradingNode(
        TradingNodeConfig(
            trader_id="LIQUIDITY-001",
            logging=LoggingConfig(log_level="ERROR"),
            actors=[feed],
            timeout_connection=2.0,
            timeout_portfolio=1.0,
            timeout_disconnection=1.0,
            timeout_post_stop=0.0,
            timeout_shutdown=1.0,
        ),
        loop=loop,
    )
    recorder = LiveRecorder()
    node.trader.add_actor(recorder)
    node.build()

    async def scenario() -> None:
        running = asyncio.create_task(node.run_async())
        try:
            weekly(memory_store, "2024-01-03", 7_700_000.0)
            settings = Settings(_env_file=None, redis_url=SHARED_URL, redis_prefix=prefix)
            await publish_pending(publishing(settings), memory_store)
            async with asyncio.timeout(15):
                while not recorder.seen:  # noqa: ASYNC110 (filled by a callback)
                    await asyncio.sleep(0.05)
        finally:
            await node.stop_async()
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)

    try:
        loop.run_until_complete(scenario())
    finally:
        node.dispose()
        if not loop.is_closed():
            loop.close()
    obs, at = recorder.seen[0]
    assert (obs.series_id, obs.value, obs.ts_event) == ("WALCL", 7_700_000.0, to_ns(H41))
    assert obs.ts_event < obs.ts_init <= at  # stamped by the node's clock on arrival
