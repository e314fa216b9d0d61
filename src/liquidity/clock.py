"""The one clock: every question of "what time is it now" asks :func:`now`.

Tests set it in-process with :func:`frozen`; a whole process (CI runs the suite
400 days ahead) is moved with ``faketime``. Nothing else calls ``datetime.now``.
Waits that belong to a schedule (the daemon's polling windows) go through :func:`sleep`,
so :func:`warped` can skip them: the benchmark replays hours of a window in seconds.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


def _system() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system
_sleep: Callable[[float], Awaitable[None]] | None = None  # None: asyncio's (imported late)
_skipped = 0.0  # seconds :func:`warped` skipped: rate windows count them as passed


def monotonic() -> float:
    """``time.monotonic()`` plus the waits :func:`warped` skipped (rate limiters use it)."""
    return time.monotonic() + _skipped


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return _source()


def today(zone: str = "America/New_York") -> date:
    """Today's date in ``zone`` (the Fed's and the Treasury's calendars live in New York)."""
    return now().astimezone(ZoneInfo(zone)).date()


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Within the block, :func:`now` answers ``at`` (aware; naive means UTC)."""
    global _source
    instant = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    previous, _source = _source, lambda: instant.astimezone(UTC)
    try:
        yield
    finally:
        _source = previous


async def sleep(seconds: float) -> None:
    """Wait ``seconds`` of this clock (real seconds unless :func:`warped`)."""
    if _sleep is not None:
        await _sleep(max(seconds, 0.0))
        return
    import asyncio  # not on the CLI's start path

    await asyncio.sleep(max(seconds, 0.0))


@contextmanager
def warped(start: datetime) -> Iterator[None]:
    """Within the block the clock starts at ``start`` and runs at the real pace, except that
    :func:`sleep` takes no real time: it moves the clock on by what it was asked. Work
    (requests, writes) costs its real time; only idle waits are skipped. One sleeper at a
    time: two tasks sleeping together would each move the clock."""
    global _source, _sleep, _skipped
    origin, base = time.monotonic(), _skipped
    begin = start if start.tzinfo is not None else start.replace(tzinfo=UTC)

    def read() -> datetime:
        elapsed = time.monotonic() - origin + _skipped - base
        return (begin + timedelta(seconds=elapsed)).astimezone(UTC)

    async def skip(seconds: float) -> None:
        import asyncio

        global _skipped
        _skipped += seconds
        await asyncio.sleep(0)

    previous = _source, _sleep
    _source, _sleep = read, skip
    try:
        yield
    finally:
        _source, _sleep = previous
