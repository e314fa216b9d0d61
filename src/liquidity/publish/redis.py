"""Publish the store's changes to Redis: Stream + Pub/Sub + last value, one script per message.

The store is the source of truth and its change feed drives everything: the
cursor ``redis`` (kept in the store) is the ``ingested_at`` of the last write whose
messages Redis acknowledged. It moves only after Redis answered, so a failure
leaves the backlog behind it and the next run publishes it again.

Each message is added by one Lua script, atomic in Redis: XADD with an id derived
from the change (``message.entry_id``), PUBLISH, and HSET of the last value when
its date is not older than the stored one. A retry after a lost acknowledgement
finds the id already in the stream and does nothing, so a Stream never holds a
change twice.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from liquidity.errors import PublishError
from liquidity.publish.derived import derived_messages
from liquidity.publish.message import Message, entry_id, from_change
from liquidity.publish.names import CURSOR, STREAM_FIELD, Names

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from liquidity.models import Change
    from liquidity.redis_conn import RedisConfig
    from liquidity.storage.base import Store

log = logging.getLogger(__name__)

# KEYS: stream, last-value hash. ARGV: id, payload, maxlen, channel, series id, date.
PUBLISH_ONE = """
local added = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], ARGV[1], 'data', ARGV[2])
if type(added) == 'table' and added.err then
  if #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1]) > 0 then
    return 0  -- already there: a retried publish
  end
  -- the id is below the stream's top (the store clock stepped back): never drop the change
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'data', ARGV[2])
end
redis.call('PUBLISH', ARGV[4], ARGV[2])
local current = redis.call('HGET', KEYS[2], ARGV[5])
if (not current) or cjson.decode(current)['date'] <= ARGV[6] then
  redis.call('HSET', KEYS[2], ARGV[5], ARGV[2])
end
return 1
"""
assert STREAM_FIELD == "data"  # the script's field name

CHUNK = 500  # scripts per round trip


@dataclass(frozen=True, slots=True)
class PublishConfig:
    redis: RedisConfig
    stream_maxlen: int  # approximate cap per stream


@dataclass(slots=True)
class PublishResult:
    changes: int = 0  # stored rows read from the change feed
    messages: int = 0  # messages sent (series and derived)
    added: int = 0  # of which new to Redis (the rest were already there)
    derived: int = 0  # Net Liquidity messages among ``messages``


@dataclass(frozen=True, slots=True)
class Entry:
    stream_id: str
    message: Message


class Publisher:
    """Follows the store's change feed and publishes every change once."""

    def __init__(self, client: Redis, names: Names, maxlen: int, *, page: int = 10_000) -> None:
        self.client = client
        self.names = names
        self.maxlen = maxlen
        self.page = page  # writes per change-feed page
        self._script = client.register_script(PUBLISH_ONE)

    async def publish_pending(self, store: Store) -> PublishResult:
        """Publish everything stored after the cursor; move it after each acknowledged page."""
        result = PublishResult()
        cursor = store.get_cursor(CURSOR)
        while changes := store.changes(cursor, limit=self.page):
            entries = entries_for(changes, store, time.time_ns())
            result.added += await self.send(entries)
            result.changes += len(changes)
            result.messages += len(entries)
            result.derived += sum(e.message.source == "derived" for e in entries)
            cursor = changes[-1].ingested_at
            store.set_cursor(CURSOR, cursor)  # only now: Redis has every entry of the page
        return result

    async def send(self, entries: Sequence[Entry]) -> int:
        """Run the publish script for each entry; the number newly added."""
        from redis.exceptions import RedisError

        added = 0
        try:
            for start in range(0, len(entries), CHUNK):
                async with self.client.pipeline(transaction=False) as pipe:
                    for e in entries[start : start + CHUNK]:
                        await self._queue(pipe, e)
                    added += sum(int(x) for x in await pipe.execute())
        except (RedisError, OSError, TimeoutError) as exc:
            raise PublishError(f"Redis: {type(exc).__name__}: {exc}") from exc
        return added

    async def _queue(self, pipe: Any, e: Entry) -> None:
        m = e.message
        await self._script(
            keys=[self.names.stream(m.series_id), self.names.last],
            args=[
                e.stream_id,
                m.to_json(),
                self.maxlen,
                self.names.channel(m.series_id),
                m.series_id,
                m.date,
            ],
            client=pipe,
        )


def entries_for(changes: Sequence[Change], store: Store, ts_init: int) -> list[Entry]:
    """Stream entries for one page of the change feed: each change, then the derived
    rows it touched, ids increasing per stream and stable on a retry of the page."""
    out = []
    seen: dict[tuple[str, object], int] = defaultdict(int)
    for c in changes:
        key = (c.observation.series_id, c.ingested_at)
        out.append(Entry(entry_id(c.ingested_at, seen[key]), from_change(c, ts_init)))
        seen[key] += 1
    last = changes[-1].ingested_at
    counts: dict[str, int] = defaultdict(int)
    for m in derived_messages(store, changes, ts_init):
        out.append(Entry(entry_id(last, counts[m.series_id]), m))
        counts[m.series_id] += 1
    return out


async def publish_pending(config: PublishConfig, store: Store) -> PublishResult:
    """One publishing pass with its own connection (what ``collect`` runs)."""
    from liquidity.redis_conn import connect

    client = connect(config.redis)
    try:
        names = Names(config.redis.prefix)
        return await Publisher(client, names, config.stream_maxlen).publish_pending(store)
    finally:
        await client.aclose()
