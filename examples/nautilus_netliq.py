"""Net Liquidity in NautilusTrader, from the liquidity Redis feed (extra ``nautilus``).

    liquidity collect                       # with LIQUIDITY_REDIS_URL set: publishes
    python examples/nautilus_netliq.py      # back-test over what the Streams hold
    python examples/nautilus_netliq.py --live   # a live node printing each new value

In the back-test every value arrives at its ``known_at`` (``ts_event``): a strategy
on Wednesday never sees that Wednesday's H.4.1, published on Thursday 16:30 New York.
"""

from __future__ import annotations

import argparse
from typing import Any

from nautilus_trader.common.actor import Actor

from liquidity.config import load_settings
from liquidity.publish.nautilus import CLIENT_ID, LiquidityObservation, data_type


class NetLiquidityPrinter(Actor):  # type: ignore[misc]
    """Prints each Net Liquidity value and its change, when the node learns it."""

    def __init__(self, client_id: Any = CLIENT_ID) -> None:
        super().__init__()
        self.client_id = client_id
        self.previous: float | None = None

    def on_start(self) -> None:
        self.subscribe_data(data_type("NETLIQ_WEEKLY"), client_id=self.client_id)

    def on_data(self, data: Any) -> None:
        obs: LiquidityObservation = getattr(data, "data", data)
        change = "" if self.previous is None else f" ({obs.value - self.previous:+,.0f})"
        print(f"{self.clock.utc_now():%Y-%m-%d %H:%M} NETLIQ {obs.date}: {obs.value:,.0f}{change}")
        self.previous = obs.value


def backtest(redis_url: str, prefix: str) -> None:
    import redis
    from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
    from nautilus_trader.config import LoggingConfig

    from liquidity.publish.nautilus import backtest_data

    client = redis.Redis.from_url(redis_url)
    data = backtest_data(client, ["NETLIQ_WEEKLY"], prefix)
    client.close()
    if not data:
        raise SystemExit("the NETLIQ_WEEKLY stream is empty: run `liquidity collect` with Redis")
    engine = BacktestEngine(BacktestEngineConfig(logging=LoggingConfig(bypass_logging=True)))
    engine.add_data(data, client_id=CLIENT_ID)
    engine.add_actor(NetLiquidityPrinter())
    engine.run()
    engine.dispose()


def live(redis_url: str, prefix: str) -> None:
    from nautilus_trader.config import ImportableActorConfig, LoggingConfig, TradingNodeConfig
    from nautilus_trader.live.node import TradingNode

    feed = ImportableActorConfig(
        actor_path="liquidity.publish.nautilus:LiquidityFeedActor",
        config_path="liquidity.publish.nautilus:LiquidityFeedConfig",
        config={"redis_url": redis_url, "prefix": prefix, "series": ["NETLIQ_WEEKLY"]},
    )
    config = TradingNodeConfig(
        trader_id="LIQUIDITY-001", logging=LoggingConfig(log_level="WARNING"), actors=[feed]
    )
    node = TradingNode(config)
    node.trader.add_actor(NetLiquidityPrinter(client_id=None))  # message bus only
    node.build()
    try:
        node.run()
    finally:
        node.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", action="store_true", help="run a live node instead")
    args = parser.parse_args()
    settings = load_settings()
    if settings.redis_url is None:
        raise SystemExit("set LIQUIDITY_REDIS_URL")
    url = settings.redis_url.get_secret_value()
    (live if args.live else backtest)(url, settings.redis_prefix)
