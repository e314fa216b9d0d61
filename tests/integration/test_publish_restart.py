"""A Redis restart loses no message: a private redis-server is killed and started again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from liquidity.config import Settings
from liquidity.errors import PublishError
from liquidity.models import Observation
from liquidity.publish.consumer import Backoff, Consumer, Delivery
from liquidity.publish.names import CURSOR, Names
from liquidity.publish.redis import publish_pending
from liquidity.storage.duckdb import DuckDBStore
from tests.support.redis_server import RedisServer
from tests.support.settings import publishing

PREFIX = "restart-test"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    s = RedisServer(tmp_path).start()
    yield s
    s.stop()


async def until(condition: Callable[[], bool], within: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_consumer_gets_every_message_once_in_order_across_a_restart(
    server: RedisServer, memory_store: DuckDBStore
) -> None:
    settings = Settings(
        _env_file=None, redis_url=server.url, redis_prefix=PREFIX, redis_timeout=0.5
    )
    client = aioredis.Redis.from_url(
        server.url, decode_responses=True, socket_timeout=2, socket_connect_timeout=0.5
    )
    consumer = Consumer(
        client, Names(PREFIX), ["DGS10"], start="0", block=0.1, backoff=Backoff(0.05, 0.3)
    )
    got: list[Delivery] = []

    async def read() -> None:
        async for d in consumer:
            got.append(d)

    def write(i: int) -> None:
        day = date(2024, 1, 1) + timedelta(days=i)
        known = datetime(2024, 1, 2, 21, tzinfo=UTC) + timedelta(days=i)
        memory_store.write([Observation("DGS10", day, 4.0 + i / 100, day, known, "fred")])

    task = asyncio.create_task(read())
    try:
        for i in range(3):
            write(i)
            await publish_pending(publishing(settings), memory_store)
        await until(lambda: len(got) == 3)
        published_up_to = memory_store.get_cursor(CURSOR)

        server.kill()
        for i in range(3, 6):  # the outage: stored, not published, the cursor stays
            write(i)
            with pytest.raises(PublishError):
                await publish_pending(publishing(settings), memory_store)
            assert memory_store.get_cursor(CURSOR) == published_up_to
        await asyncio.sleep(0.5)  # the consumer is retrying meanwhile
        assert consumer.reconnects >= 1

        server.start()  # same port and directory: the append-only file brings the data back
        backlog = await publish_pending(publishing(settings), memory_store)
        assert (backlog.changes, backlog.added) == (3, 3)
        for i in range(6, 8):
            write(i)
            await publish_pending(publishing(settings), memory_store)
        await until(lambda: len(got) == 8)
        await asyncio.sleep(0.5)  # and nothing more comes
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.aclose()

    assert [d.message.date for d in got] == [
        (date(2024, 1, 1) + timedelta(days=i)).isoformat() for i in range(8)
    ]
    ids = [tuple(map(int, d.entry_id.split("-"))) for d in got]
    assert ids == sorted(set(ids))  # once each, in stream order
    check = aioredis.Redis.from_url(server.url, decode_responses=True)
    pending = await check.xpending(Names(PREFIX).stream("DGS10"), "liquidity-watch")
    await check.aclose()
    assert pending["pending"] == 0
