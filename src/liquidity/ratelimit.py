"""A sliding-window limiter that counts a request until a period after its response.

Why not a token bucket on send times (aiolimiter and friends): the server counts
*arrivals*, and network jitter (a first request delayed by connection set-up)
can put three evenly sent requests into one server-side second. A request
always arrives before its response does, so holding its slot until ``period``
after the response guarantees that no window at the server ever sees more than
``limit`` requests, whatever the jitter, at the cost of one round trip per
window.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from liquidity import clock


class WindowLimiter:
    def __init__(self, limit: int, period: float) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("limit must be >= 1 and period > 0")
        self.limit = limit
        self.period = period
        self._done: deque[float] = deque()  # response times still inside the window
        self._in_flight = 0
        self._released = asyncio.Event()

    @classmethod
    def per_second(cls, rate: float, period: float = 1.0) -> WindowLimiter:
        """At most ``rate`` requests per ``period``; a fractional rate widens the window."""
        limit = max(1, int(rate * period))
        return cls(limit, limit / rate)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._acquire()
        try:
            yield
        finally:
            self._in_flight -= 1
            self._done.append(clock.monotonic())
            self._released.set()

    async def _acquire(self) -> None:
        while True:
            now = clock.monotonic()
            while self._done and now - self._done[0] >= self.period:
                self._done.popleft()
            if self._in_flight + len(self._done) < self.limit:
                self._in_flight += 1
                return
            # Wake when the oldest finished request leaves the window, or a request ends.
            delay = self.period - (now - self._done[0]) if self._done else None
            self._released.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), delay)
