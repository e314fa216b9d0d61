"""``thirdparty.purgatory.redis_repository`` against a real Redis: purgatory's repository
uses the client, prefix and queue we put in place of its own."""

from __future__ import annotations

from importlib.metadata import version

from redis.asyncio import Redis

from liquidity.thirdparty.purgatory import Context, Message, redis_repository
from tests.support.redis_server import shared_redis_or_skip


async def test_redis_repository_uses_our_client_prefix_and_queue(prefix: str) -> None:
    url = shared_redis_or_skip()
    messages: list[Message] = []
    client = Redis.from_url(url, socket_timeout=2.5, socket_connect_timeout=2.5)
    repository = redis_repository(url, client, f"{prefix}:breaker:", messages)
    checked = f"purgatory {version('purgatory')} (liquidity/thirdparty/purgatory.py)"
    try:
        options = repository.redis.connection_pool.connection_kwargs
        assert (options["socket_timeout"], options["socket_connect_timeout"]) == (2.5, 2.5)
        assert repository.messages is messages, checked
        await repository.initialize()
        await repository.register(Context("fred", threshold=3, ttl=60))
        await repository.inc_failures("fred", 1)
        await repository.update_state("fred", "opened", 1.0)
        keys = sorted(k.decode() for k in await repository.redis.keys(f"{prefix}:*"))
        assert keys == [f"{prefix}:breaker:fred", f"{prefix}:breaker:fred::failure_count"], (
            f"{checked}: keys are {keys}"
        )
        stored = await repository.get("fred")
        assert stored is not None, checked
        assert (stored.state, stored.failure_count) == ("opened", 1), checked
    finally:
        await repository.redis.aclose()
