"""NautilusTrader integration (extra ``nautilus``): our observations as custom data.

- ``LiquidityObservation``: a ``Data`` type (``@customdataclass``: msgpack and Arrow
  serialisation, catalog-ready) whose ``ts_event`` is ``known_at``, when the value
  became public, so a back-test sees a value only from the instant it was known.
- ``LiquidityFeedActor``: in a live ``TradingNode``, reads our Redis Streams with a
  consumer group (``consumer.Consumer``) and publishes each message on the node's
  message bus as ``LiquidityObservation`` (``ts_init`` = the node clock on arrival);
  strategies ``subscribe_data(data_type())`` or ``data_type("WALCL")``.
- ``backtest_data``: reads the Streams (XRANGE, without a group) into ``CustomData``
  for ``BacktestEngine.add_data(..., client_id=CLIENT_ID)``, with ``ts_init = ts_event``.

Why an actor and not Nautilus's own ``MessageBusConfig(external_streams=...)``: those
streams carry Nautilus's internal encoding, while ours are plain JSON for every
reader; the actor turns one into the other at the edge.

No ``from __future__ import annotations`` here: ``@customdataclass`` reads the field
types' ``__name__`` from ``__annotations__``, which must be real types, not strings.
"""

import asyncio
from collections.abc import Sequence
from typing import Any

from nautilus_trader.common.actor import Actor  # type: ignore[import-not-found]
from nautilus_trader.common.config import ActorConfig
from nautilus_trader.core.data import Data  # type: ignore[import-not-found]
from nautilus_trader.model.custom import customdataclass
from nautilus_trader.model.data import CustomData, DataType  # type: ignore[import-not-found]
from nautilus_trader.model.identifiers import ClientId  # type: ignore[import-not-found]

from liquidity.publish.message import Message
from liquidity.publish.names import DEFAULT_PREFIX, STREAM_FIELD, Names

CLIENT_ID = ClientId("LIQUIDITY")


@customdataclass
class LiquidityObservation(Data):  # type: ignore[misc]
    series_id: str = ""
    date: str = ""  # ISO observation date
    value: float = 0.0
    unit: str = ""
    realtime_start: str = ""
    source: str = ""
    revision: bool = False


def data_type(series_id: str | None = None) -> DataType:
    """All series, or one (its message-bus topic carries ``series_id=...``)."""
    return DataType(LiquidityObservation, {"series_id": series_id} if series_id else None)


def from_message(m: Message, ts_init: int | None = None) -> LiquidityObservation:
    """``ts_event`` = when the value became known; ``ts_init`` defaults to the same (back-tests)."""
    return LiquidityObservation(
        m.ts_event,
        m.ts_event if ts_init is None else ts_init,
        series_id=m.series_id,
        date=m.date,
        value=m.value,
        unit=m.unit,
        realtime_start=m.realtime_start,
        source=m.source,
        revision=m.revision,
    )


def backtest_data(client: Any, series: Sequence[str], prefix: str = DEFAULT_PREFIX) -> list[Any]:
    """Every entry the Streams of ``series`` still hold, as ``CustomData`` sorted by
    ``ts_init`` (= ``ts_event``). ``client``: a synchronous ``redis.Redis``."""
    names = Names(prefix)
    out = []
    for sid in series:
        for _, fields in client.xrange(names.stream(sid)):
            raw = fields.get(STREAM_FIELD) or fields.get(STREAM_FIELD.encode())
            obs = from_message(Message.from_json(raw))
            out.append(CustomData(data_type(sid), obs))
    return sorted(out, key=lambda d: d.ts_init)


class LiquidityFeedConfig(ActorConfig, frozen=True):
    redis_url: str = "redis://127.0.0.1:6379/0"
    prefix: str = DEFAULT_PREFIX
    series: tuple[str, ...] = ()  # empty: every series and derived index
    group: str = "nautilus"
    consumer: str = "node"
    start: str = "$"  # where a new group starts: "$" new entries, "0" all kept


class LiquidityFeedActor(Actor):  # type: ignore[misc]
    """Feeds our Stream into a live node's message bus."""

    def __init__(self, config: LiquidityFeedConfig) -> None:
        super().__init__(config)
        self.feed_config = config
        self._task: asyncio.Task[None] | None = None
        self.received = 0

    def on_start(self) -> None:
        # A live node runs actors on its event loop: the reader is a task there.
        self._task = asyncio.get_running_loop().create_task(self._pump())

    def on_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _pump(self) -> None:
        from redis.asyncio import Redis

        from liquidity.publish.consumer import Consumer, all_series

        cfg = self.feed_config
        client = Redis.from_url(cfg.redis_url, decode_responses=True)
        consumer = Consumer(
            client,
            Names(cfg.prefix),
            list(cfg.series) or all_series(),
            group=cfg.group,
            consumer=cfg.consumer,
            start=cfg.start,
        )
        try:
            async for delivery in consumer:
                m = delivery.message
                self.publish_data(
                    data_type(m.series_id), from_message(m, self.clock.timestamp_ns())
                )
                self.received += 1
        finally:
            await client.aclose()
