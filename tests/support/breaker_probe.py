"""A separate process using the real SourceClient with Redis-backed breakers.

``python -m tests.support.breaker_probe trip|probe REDIS_URL PREFIX TARGET_URL``: ``trip``
GETs a dead address until its retries give up; ``probe`` GETs ``TARGET_URL`` once.
Prints one word: the error class name, or ``ok``.
"""

from __future__ import annotations

import asyncio
import sys

from liquidity.compose import breaker_config, source_config
from liquidity.config import Settings
from liquidity.errors import LiquidityError
from liquidity.http import SourceClient, close_breakers, make_breakers, make_client


async def main(action: str, redis_url: str, prefix: str, target: str) -> str:
    settings = Settings(
        _env_file=None,
        redis_url=redis_url,
        redis_prefix=prefix,
        breaker_threshold=3,
        breaker_ttl=60,
        retry_attempts=3 if action == "trip" else 1,
        retry_initial_wait=0.01,
        retry_max_wait=0.05,
        http_timeout=2,
    )
    breakers = make_breakers(breaker_config(settings))
    await breakers.initialize()
    policy = source_config(settings, "fred").policy
    try:
        async with make_client(policy) as http:
            await SourceClient("fred", http, policy, breakers).get(target)
        return "ok"
    except LiquidityError as exc:
        return type(exc).__name__
    finally:
        await close_breakers(breakers)


if __name__ == "__main__":
    print(asyncio.run(main(*sys.argv[1:5])))
