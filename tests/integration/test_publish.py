"""Publishing to a real Redis (127.0.0.1:6379, test-only prefix) and reading it back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from liquidity.compose import collect_config
from liquidity.config import Settings
from liquidity.models import Observation
from liquidity.pipeline import collect
from liquidity.publish.consumer import Consumer, Delivery
from liquidity.publish.message import Message, to_ns
from liquidity.publish.names import CURSOR, Names
from liquidity.publish.redis import Publisher, publish_pending
from liquidity.storage.duckdb import DuckDBStore
from tests.support.observations import H41, weekly
from tests.support.observations import released as obs
from tests.support.replay import ReplayServer
from tests.support.settings import make_settings, publishing


@pytest.fixture
def rsettings(prefix: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        redis_url="redis://127.0.0.1:6379/0",
        redis_prefix=prefix,
        duckdb_path=tmp_path / "t.duckdb",
    )


@pytest.fixture
async def client() -> AsyncIterator[aioredis.Redis]:
    c = aioredis.Redis.from_url("redis://127.0.0.1:6379/0", decode_responses=True)
    yield c
    await c.aclose()


async def take(consumer: Consumer, n: int, within: float = 10) -> list[Delivery]:
    out: list[Delivery] = []

    async def run() -> None:
        async for d in consumer:
            out.append(d)
            if len(out) == n:
                return

    await asyncio.wait_for(run(), within)
    return out


async def test_publish_then_consume_every_stream(
    rsettings: Settings, prefix: str, client: aioredis.Redis, memory_store: DuckDBStore
) -> None:
    weekly(memory_store, "2024-01-03", 7_700_000.0)
    result = await publish_pending(publishing(rsettings), memory_store)
    assert (result.changes, result.messages, result.added, result.derived) == (3, 4, 4, 1)
    assert memory_store.get_cursor(CURSOR) is not None

    names = Names(prefix)
    consumer = Consumer(client, names, ["WALCL", "NETLIQ_WEEKLY"], start="0", block=0.2)
    got = {d.message.series_id: d.message for d in await take(consumer, 2)}
    walcl = got["WALCL"]
    assert walcl.date == "2024-01-03" and walcl.value == 7_700_000.0
    assert walcl.unit == "USD millions" and walcl.source == "fred" and not walcl.revision
    assert walcl.ts_event == to_ns(H41) == 1_704_403_800_000_000_000
    assert walcl.ts_init >= walcl.ts_event
    net = got["NETLIQ_WEEKLY"]
    assert net.value == 7_700_000.0 - 600_000.0 - 700_000.0
    assert net.ts_event == to_ns(H41) and net.source == "derived"

    last = await client.hgetall(names.last)
    assert set(last) == {"WALCL", "WLRRAL", "WDTGAL", "NETLIQ_WEEKLY"}
    assert Message.from_json(last["WALCL"]) == walcl
    # acknowledged: nothing pending for the group
    pending = await client.xpending(names.stream("WALCL"), "liquidity-watch")
    assert pending["pending"] == 0


async def test_pubsub_pattern_receives_live_messages(
    rsettings: Settings, prefix: str, client: aioredis.Redis, memory_store: DuckDBStore
) -> None:
    names = Names(prefix)
    pubsub = client.pubsub()
    await pubsub.psubscribe(names.channel_pattern)
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    weekly(memory_store, "2024-01-03", 7_700_000.0)
    await publish_pending(publishing(rsettings), memory_store)
    received = []
    while len(received) < 4:
        m = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
        assert m is not None, f"only {len(received)} messages"
        received.append((m["channel"], json.loads(m["data"])["series_id"]))
    await pubsub.aclose()
    assert sorted(received) == sorted(
        (names.channel(s), s) for s in ("WALCL", "WLRRAL", "WDTGAL", "NETLIQ_WEEKLY")
    )


async def test_republish_adds_nothing_and_revisions_are_flagged(
    rsettings: Settings, prefix: str, client: aioredis.Redis, memory_store: DuckDBStore
) -> None:
    names = Names(prefix)
    weekly(memory_store, "2024-01-03", 7_700_000.0)
    weekly(memory_store, "2024-01-10", 7_690_000.0, H41 + timedelta(days=7))
    first = await publish_pending(publishing(rsettings), memory_store)
    assert first.added == 8
    # A lost acknowledgement: the cursor is behind what Redis has. Nothing is added twice.
    memory_store.set_cursor(CURSOR, datetime(2000, 1, 1, tzinfo=UTC))
    again = await publish_pending(publishing(rsettings), memory_store)
    assert (again.messages, again.added) == (8, 0)
    assert await client.xlen(names.stream("WALCL")) == 2

    # A revision of the older week: a new entry flagged, last value still the newer week.
    seen = datetime.now(UTC)
    memory_store.write([obs("WALCL", "2024-01-03", 7_701_000.0)], revision_known_at=seen)
    rev = await publish_pending(publishing(rsettings), memory_store)
    assert (rev.changes, rev.added, rev.derived) == (1, 2, 1)
    entries = await client.xrange(names.stream("NETLIQ_WEEKLY"))
    latest = Message.from_json(entries[-1][1]["data"])
    assert latest.date == "2024-01-03" and latest.revision
    assert latest.value == 7_701_000.0 - 1_300_000.0
    assert abs(latest.ts_event - to_ns(seen)) < 1_000
    last = Message.from_json(await client.hget(names.last, "WALCL"))
    assert last.date == "2024-01-10"


async def test_stream_is_capped(
    rsettings: Settings, prefix: str, client: aioredis.Redis, memory_store: DuckDBStore
) -> None:
    rows = [obs("DGS10", f"2024-01-{d:02d}", 4.0 + d / 100) for d in range(1, 29)]
    for i in range(10):  # 280 entries in ten writes
        vintage = date(2024, 2, 1) + timedelta(days=i)  # each write a new vintage
        memory_store.write(
            [Observation("DGS10", r.date, r.value + i, vintage, H41, "fred") for r in rows]
        )
    publisher = Publisher(client, Names(prefix), maxlen=100)
    result = await publisher.publish_pending(memory_store)
    assert result.added == 280
    length = await client.xlen(Names(prefix).stream("DGS10"))
    assert 100 <= length < 280  # approximate trimming: whole macro nodes


async def test_collect_publishes_and_a_redis_outage_loses_nothing(
    replay: ReplayServer, tmp_path: Path, prefix: str, client: aioredis.Redis
) -> None:
    down = make_settings(
        replay,
        tmp_path,
        redis_url="redis://127.0.0.1:1/0",
        redis_prefix=prefix,
        redis_timeout=0.5,
    )
    store = DuckDBStore(tmp_path / "c.duckdb")
    try:
        report = await collect(collect_config(down), store, ["WALCL", "WLRRAL", "WDTGAL"])
        assert not report.failures  # stored, breakers fell back to memory
        assert report.publish_error is not None and "Redis" in report.publish_error
        assert store.get_cursor(CURSOR) is None
        stored = store.count()

        up = down.model_copy(update={"redis_url": rsettings_url()})
        report = await collect(collect_config(up), store, ["WALCL"])
        assert report.publish_error is None
        names = Names(prefix)
        assert await client.xlen(names.stream("WALCL")) == len(store.read("WALCL"))
        netliq = await client.xlen(names.stream("NETLIQ_WEEKLY"))
        assert netliq > 100
        assert report.published >= stored + netliq
    finally:
        store.close()


def rsettings_url() -> object:
    from pydantic import SecretStr

    return SecretStr("redis://127.0.0.1:6379/0")
