"""The Redis connection, shared by publishing, the shared circuit breakers and the lease.

One ``RedisConfig`` (built by ``liquidity.compose`` from the settings) and one way to
open a client from it, so that every part talks to Redis with the same URL, timeouts and
key prefix, and none of them needs the settings or borrows from another. Publishing's
own names (streams, channels, last values) are ``publish.names``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import SecretStr
    from redis.asyncio import Redis


@dataclass(frozen=True, slots=True)
class RedisConfig:
    url: SecretStr  # may hold a password: never shown
    prefix: str  # first part of every Redis name (``publish.names.Names``)
    timeout: float  # seconds to connect and per command

    @property
    def breaker_prefix(self) -> str:
        """Where the circuit breakers keep their state (``liquidity:breaker:fred``)."""
        return f"{self.prefix}:breaker:"

    @property
    def lease_key(self) -> str:
        """The key whose holder is the active collector daemon."""
        return f"{self.prefix}:lease:collector"


def connect(config: RedisConfig, *, short_retry: bool = True, **options: Any) -> Redis:
    """A client with ``config``'s timeouts. ``short_retry``: few, quick retries, so that a
    Redis that is down costs seconds, not minutes; off, redis-py's own retry policy."""
    from redis.asyncio import Redis  # here: a start without Redis configured never loads it

    if short_retry:
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialBackoff

        options = {"retry": Retry(ExponentialBackoff(cap=1.0, base=0.05), 2), **options}
    return Redis.from_url(
        config.url.get_secret_value(),
        socket_timeout=config.timeout,
        socket_connect_timeout=config.timeout,
        **options,
    )
