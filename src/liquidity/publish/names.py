"""Every Redis name publishing uses, defined once from a configurable prefix (the keys of
the circuit breakers and the daemons' lease are ``liquidity.redis_conn``'s).

With the default prefix ``liquidity``:

| what | name |
|---|---|
| Pub/Sub channel per series | ``liquidity:WALCL`` (all series: ``PSUBSCRIBE liquidity:*``) |
| Stream per series | ``liquidity:stream:WALCL`` (one field ``data``: the message JSON) |
| last value per series | hash ``liquidity:last``, field = series id, value = message JSON |

Channels and keys live in separate namespaces in Redis, so the channel
``liquidity:WALCL`` and the keys under ``liquidity:`` never collide.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "liquidity"
CURSOR = "redis"  # the store cursor: ingested_at of the last change Redis acknowledged
DEFAULT_GROUP = "liquidity-watch"
STREAM_FIELD = "data"

DERIVED_SOURCE = "derived"


@dataclass(frozen=True, slots=True)
class Names:
    prefix: str = DEFAULT_PREFIX

    def channel(self, series_id: str) -> str:
        return f"{self.prefix}:{series_id}"

    @property
    def channel_pattern(self) -> str:
        return f"{self.prefix}:*"

    def stream(self, series_id: str) -> str:
        return f"{self.prefix}:stream:{series_id}"

    @property
    def stream_pattern(self) -> str:
        return f"{self.prefix}:stream:*"

    def series_of_stream(self, stream: str) -> str:
        return stream.removeprefix(f"{self.prefix}:stream:")

    @property
    def last(self) -> str:
        return f"{self.prefix}:last"
