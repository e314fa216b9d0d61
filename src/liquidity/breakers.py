"""Circuit breakers shared through Redis, so several collectors agree a source is down.

With ``LIQUIDITY_REDIS_URL`` set, purgatory keeps each breaker's state and failure
count in Redis (its ``AsyncRedisRepository``, under our prefix). Redis is a helper
here, not a dependency of collecting: if it cannot be reached, the breakers fall
back to this process's memory (one warning) and the collect goes on.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from purgatory.service._async.repository import (
    AsyncAbstractRepository,
    AsyncInMemoryRepository,
)
from purgatory.service._async.unit_of_work import AsyncAbstractUnitOfWork

if TYPE_CHECKING:
    from purgatory.domain.model import Context

    from liquidity.redis_conn import RedisConfig

log = logging.getLogger(__name__)


class FallbackRepository(AsyncAbstractRepository):
    """Redis first; on the first Redis error, this process's memory for good."""

    def __init__(self, redis: RedisConfig, prefix: str) -> None:
        from purgatory.service._async.repository import AsyncRedisRepository

        from liquidity.redis_conn import connect

        self.primary = AsyncRedisRepository(redis.url.get_secret_value())
        # purgatory builds its client without timeouts: a dead Redis would hang a request.
        # redis-py's own retry policy, as purgatory's client has.
        self.primary.redis = connect(redis, short_retry=False)
        self.primary.prefix = prefix
        self.fallback = AsyncInMemoryRepository()
        self.messages = self.fallback.messages  # one queue whichever backend answers
        self.primary.messages = self.messages
        self.degraded = False

    async def _call(self, method: str, *args: Any) -> Any:
        from redis.exceptions import RedisError

        if not self.degraded:
            try:
                return await getattr(self.primary, method)(*args)
            except (RedisError, OSError, TimeoutError) as exc:
                self.degraded = True
                log.warning(
                    "circuit breakers: Redis unreachable (%s); using this process's memory",
                    type(exc).__name__,
                )
        return await getattr(self.fallback, method)(*args)

    async def initialize(self) -> None:
        await self._call("initialize")

    async def get(self, name: str) -> Context | None:
        result: Context | None = await self._call("get", name)
        return result

    async def register(self, context: Context) -> None:
        await self._call("register", context)

    async def update_state(self, name: str, state: str, opened_at: float | None) -> None:
        await self._call("update_state", name, state, opened_at)

    async def inc_failures(self, name: str, failure_count: int) -> None:
        await self._call("inc_failures", name, failure_count)

    async def reset_failure(self, name: str) -> None:
        await self._call("reset_failure", name)

    async def close(self) -> None:
        await self.primary.redis.aclose()


class SharedUnitOfWork(AsyncAbstractUnitOfWork):
    """purgatory's ``AsyncRedisUnitOfWork`` with our repository (prefix, timeouts, fallback)."""

    contexts: FallbackRepository

    def __init__(self, redis: RedisConfig) -> None:
        self.contexts = FallbackRepository(redis, redis.breaker_prefix)

    async def initialize(self) -> None:
        await self.contexts.initialize()

    async def commit(self) -> None:
        """Each repository call is already durable."""

    async def rollback(self) -> None:
        """Nothing to undo."""

    async def close(self) -> None:
        await self.contexts.close()
