"""Read the feed from the Streams with a consumer group: resumable, at least once, in order.

``async for d in Consumer(client, names, series): ...`` yields each entry; it is
acknowledged (XACK) when the loop asks for the next one, i.e. after the body has
handled it. On (re)start the consumer first re-reads its own pending entries
(delivered, never acknowledged), then claims entries that another consumer of the
group left pending for ``claim_idle`` seconds (XAUTOCLAIM), then reads new ones.
When Redis goes away it waits with exponential backoff and carries on where the
group stands; acknowledgements that failed are sent again before anything is read,
so a restart of Redis (with persistence) neither loses nor repeats an entry. A
group lost with Redis's data (NOGROUP) is created again from the start of what
the stream holds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from liquidity.publish.message import Message
from liquidity.publish.names import DEFAULT_GROUP, STREAM_FIELD, Names

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from liquidity.redis_conn import RedisConfig

log = logging.getLogger(__name__)

Entries = list[tuple[str, str, dict[str, str]]]  # (stream, entry id, fields)


@dataclass(frozen=True, slots=True)
class Delivery:
    stream: str
    entry_id: str
    message: Message


@dataclass(frozen=True, slots=True)
class Backoff:
    initial: float = 0.1
    maximum: float = 5.0

    def delay(self, failures: int) -> float:
        return float(min(self.maximum, self.initial * 2 ** max(0, failures - 1)))


class Consumer:
    """An async iterator over the Streams of ``series`` for one consumer of ``group``.

    ``client`` must decode responses (``decode_responses=True``). ``start`` is where a
    group created now begins: ``"$"`` only new entries, ``"0"`` all the stream holds.
    """

    def __init__(
        self,
        client: Redis,
        names: Names,
        series: Sequence[str],
        *,
        group: str = DEFAULT_GROUP,
        consumer: str = "consumer",
        start: str = "$",
        block: float = 1.0,
        count: int = 100,
        claim_idle: float = 60.0,
        backoff: Backoff = Backoff(),
    ) -> None:
        self.client = client
        self.names = names
        self.streams = [names.stream(s) for s in series]
        self.group = group
        self.consumer = consumer
        self.start = start
        self.block_ms = int(block * 1000)
        self.count = count
        self.claim_idle_ms = int(claim_idle * 1000)
        self.backoff = backoff
        self.reconnects = 0  # times Redis went away while we read
        self._unacked: dict[str, list[str]] = defaultdict(list)
        self._ready = False  # groups exist (as far as we know)
        self._own_pending = True  # re-read our own pending entries first
        self._next_claim = 0.0

    def __aiter__(self) -> AsyncGenerator[Delivery, None]:
        return self._run()

    async def _run(self) -> AsyncGenerator[Delivery, None]:
        failures = 0
        try:
            while True:
                try:
                    batch = await self._next_batch()
                    failures = 0
                except Exception as exc:
                    failures = await self._recover(exc, failures)
                    continue
                for stream, entry_id, fields in batch:
                    yield Delivery(stream, entry_id, Message.from_json(fields[STREAM_FIELD]))
                    self._unacked[stream].append(entry_id)  # handled: ack before the next read
        finally:
            await self._best_effort_ack()

    async def _next_batch(self) -> Entries:
        if not self._ready:
            await self._create_groups(self.start)
            self._ready = True
        await self._ack()
        if self._own_pending:
            batch = await self._read("0", block=None)
            self._own_pending = bool(batch)
            return batch
        if time.monotonic() >= self._next_claim:
            self._next_claim = time.monotonic() + self.claim_idle_ms / 2000
            if claimed := await self._claim():
                return claimed
        return await self._read(">", block=self.block_ms)

    async def _recover(self, exc: Exception, failures: int) -> int:
        from redis.exceptions import ConnectionError, ResponseError, TimeoutError

        if isinstance(exc, ResponseError) and str(exc).startswith("NOGROUP"):
            log.warning("consumer group %s is gone (Redis lost its data?): recreating", self.group)
            await self._create_groups("0")
            self._own_pending = True
            return failures
        if not isinstance(exc, ConnectionError | TimeoutError | OSError):
            raise exc
        failures += 1
        self.reconnects += 1
        self._own_pending = True  # what we were delivered but did not ack is re-read
        delay = self.backoff.delay(failures)
        log.warning("Redis unreachable (%s): retrying in %.1fs", type(exc).__name__, delay)
        await asyncio.sleep(delay)
        return failures

    async def _create_groups(self, start: str) -> None:
        from redis.exceptions import ResponseError

        for stream in self.streams:
            try:
                await self.client.xgroup_create(stream, self.group, id=start, mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):  # exists already: keep its position
                    raise

    async def _read(self, last_id: str, block: int | None) -> Entries:
        reply: Any = await self.client.xreadgroup(
            self.group,
            self.consumer,
            dict.fromkeys(self.streams, last_id),
            count=self.count,
            block=block,
        )
        out: Entries = []
        for stream, entries in reply or []:
            for entry_id, fields in entries:
                if fields:
                    out.append((stream, entry_id, fields))
                else:  # a pending entry trimmed away by MAXLEN: nothing left to deliver
                    self._unacked[stream].append(entry_id)
        return out

    async def _claim(self) -> Entries:
        out: Entries = []
        for stream in self.streams:
            reply: Any = await self.client.xautoclaim(
                stream, self.group, self.consumer, self.claim_idle_ms, "0-0", count=self.count
            )
            out += [(stream, entry_id, fields) for entry_id, fields in reply[1] if fields]
        return out

    async def _ack(self) -> None:
        for stream, ids in list(self._unacked.items()):
            if ids:
                await self.client.xack(stream, self.group, *ids)
            del self._unacked[stream]

    async def _best_effort_ack(self) -> None:
        try:
            await self._ack()
        except Exception as exc:  # closing: the entries stay pending and come back later
            log.debug("could not acknowledge on close: %s", type(exc).__name__)


def all_series() -> list[str]:
    """Every stream the publisher may write: the catalog's series and its formulas."""
    from liquidity.catalog.active import SERIES, active_catalog

    return [*SERIES, *active_catalog().derived]


async def feed(
    redis: RedisConfig, series: Sequence[str] | None = None, **options: Any
) -> AsyncGenerator[Delivery, None]:
    """``Consumer`` on its own connection (``options`` go to ``Consumer``)."""
    from liquidity.redis_conn import connect

    client = connect(redis, decode_responses=True)
    try:
        names = Names(redis.prefix)
        consumer = Consumer(client, names, series or all_series(), **options)
        async with aclosing(aiter(consumer)) as deliveries:  # acks and closes on break
            async for delivery in deliveries:
                yield delivery
    finally:
        await client.aclose()
