"""purgatory (circuit breakers), as we use it. Checked against purgatory 3.0.1.

1. **Imported without redis.** purgatory's package imports redis only to name a type
   (``purgatory/service/_redis.py`` falls back to ``Any`` when redis is missing), which
   costs every process start ~0.3 s and ~15 MB even when no Redis is configured. So, when
   nothing has imported redis yet, redis is hidden in ``sys.modules`` for the length of
   purgatory's import. Its Redis repository imports redis itself when one is built
   (``redis_repository``), so shared breakers work as before. The CLI imports this before
   starting any thread, so no other import can see the hidden module.
2. **Private modules.** The repository classes that ``breakers.FallbackRepository``
   builds on exist only in ``purgatory.service._async.repository`` (no public name).
3. **Attributes overwritten** (``redis_repository``): ``AsyncRedisRepository`` takes only
   a URL and sets its client, key prefix and message queue as plain attributes in
   ``__init__``; we replace them, for a client with timeouts, our prefix, one queue.

Import purgatory's names from here, never from purgatory, so that (1) always holds.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis

_REDIS = ("redis", "redis.asyncio")


def _import_without_redis() -> None:
    if "purgatory" in sys.modules or any(name in sys.modules for name in _REDIS):
        return
    for name in _REDIS:
        sys.modules[name] = None  # type: ignore[assignment]  # import of it raises
    try:
        import purgatory  # noqa: F401
    finally:
        for name in _REDIS:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


_import_without_redis()

from purgatory import AsyncAbstractUnitOfWork, AsyncCircuitBreakerFactory  # noqa: E402
from purgatory.domain.messages.base import Message  # noqa: E402
from purgatory.domain.model import Context, OpenedState  # noqa: E402
from purgatory.service._async.circuitbreaker import AsyncCircuitBreaker  # noqa: E402
from purgatory.service._async.repository import (  # noqa: E402
    AsyncAbstractRepository,
    AsyncInMemoryRepository,
    AsyncRedisRepository,
)

__all__ = [
    "AsyncAbstractRepository",
    "AsyncAbstractUnitOfWork",
    "AsyncCircuitBreaker",
    "AsyncCircuitBreakerFactory",
    "AsyncInMemoryRepository",
    "AsyncRedisRepository",
    "Context",
    "Message",
    "OpenedState",
    "redis_repository",
]


def redis_repository(
    url: str, client: Redis, prefix: str, messages: list[Message]
) -> AsyncRedisRepository:
    """purgatory's Redis repository talking through ``client`` (ours: with timeouts; its own
    has none, so a dead Redis would hang a request), keys under ``prefix``, its events queued
    on ``messages`` (shared with a fallback repository)."""
    repository = AsyncRedisRepository(url)  # its own client is never used, nor connected
    repository.redis = client
    repository.prefix = prefix
    repository.messages = messages
    return repository
