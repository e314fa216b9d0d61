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
    spans.sort()
    # Request k+2 starts at least a period after request k ended (its response came back).
    for (_, ended), (began, _) in zip(spans, spans[2:], strict=False):
        assert began - ended >= 0.2 - 1e-3
    assert len(spans) == 8


def test_fractional_rates_widen_the_window() -> None:
    half = WindowLimiter.per_second(0.5)
    assert (half.limit, half.period) == (1, 2.0)
    minute = WindowLimiter.per_second(120 / 60.0, 60.0)
    assert (minute.limit, minute.period) == (120, 60.0)
    with pytest.raises(ValueError):
        WindowLimiter(0, 1.0)
