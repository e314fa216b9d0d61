"""A Redis lease that makes exactly one of several daemons the active collector.

``SET key owner NX PX ttl`` takes it; the holder renews it (only if it still
holds it, checked atomically in Lua) every third of the TTL. A holder that dies
stops renewing, the key expires, and a standby takes it within one TTL plus one
poll. A holder that fails to renew stops collecting at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis

RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class Lease:
    def __init__(self, client: Redis, key: str, owner: str, ttl: float) -> None:
        self.client = client
        self.key = key
        self.owner = owner
        self.ttl_ms = int(ttl * 1000)
        self.held = False

    async def keep(self) -> bool:
        """Take the lease if free, renew it if ours; whether we hold it now."""
        if self.held:
            renewed = await self.client.eval(RENEW, 1, self.key, self.owner, self.ttl_ms)
            self.held = bool(renewed)
        if not self.held:
            taken = await self.client.set(self.key, self.owner, nx=True, px=self.ttl_ms)
            self.held = bool(taken)
        return self.held

    async def release(self) -> None:
        if self.held:
            await self.client.eval(RELEASE, 1, self.key, self.owner)
            self.held = False
