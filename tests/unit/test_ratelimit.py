from __future__ import annotations

import asyncio
import time

import pytest

from liquidity.ratelimit import WindowLimiter


async def test_no_window_holds_more_than_the_limit() -> None:
    limiter = WindowLimiter(2, 0.2)
    spans: list[tuple[float, float]] = []

    async def request(hold: float) -> None:
        async with limiter.slot():
            began = time.monotonic()
            await asyncio.sleep(hold)
            spans.append((began, time.monotonic()))

    await asyncio.gather(*(request(0.01 * (i % 3)) for i in range(8)))
    assert len(spans) == 8
    # When a request starts, fewer than `limit` others are in flight or ended within a period.
    for j, (start_j, _) in enumerate(spans):
        holding = [
            i
            for i, (start_i, end_i) in enumerate(spans)
            if i != j and start_i <= start_j and end_i + 0.2 - 1e-3 > start_j
        ]
        assert len(holding) < 2, (j, spans)


def test_fractional_rates_widen_the_window() -> None:
    half = WindowLimiter.per_second(0.5)
    assert (half.limit, half.period) == (1, 2.0)
    minute = WindowLimiter.per_second(120 / 60.0, 60.0)
    assert (minute.limit, minute.period) == (120, 60.0)
    with pytest.raises(ValueError):
        WindowLimiter(0, 1.0)
