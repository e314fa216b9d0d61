"""``liquidity watch``: print each published value as it arrives, catching up after a break."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from liquidity.cli.context import AppContext
    from liquidity.redis_conn import RedisConfig


def watch(
    ctx: typer.Context,
    series: list[str] = typer.Argument(
        None, help="Series ids, NETLIQ_WEEKLY, NETLIQ_DAILY, NETLIQ_PRIMARY."
    ),
    group: str = typer.Option(
        "liquidity-watch", "--group", help="Consumer group: watchers in one group share entries."
    ),
    consumer: str = typer.Option(None, "--consumer", help="Consumer name (default: host name)."),
    from_start: bool = typer.Option(
        False, "--from-start", help="A new group starts at the oldest entry kept, not at now."
    ),
    as_json: bool = typer.Option(False, "--json", help="One message JSON per line."),
    limit: int = typer.Option(0, "--limit", min=0, help="Stop after N messages (0: never)."),
) -> None:
    """Follow the live feed (Redis Streams) and print updates as they come."""
    import asyncio
    import socket

    from liquidity.compose import redis_config
    from liquidity.publish.consumer import all_series

    app: AppContext = ctx.obj
    redis = redis_config(app.settings())
    if redis is None:
        app.fail_with("LIQUIDITY_REDIS_URL is not set: there is no feed to watch")
    known = set(all_series())
    unknown = [s for s in series or [] if s.upper() not in known]
    if unknown:
        app.fail_with(f"unknown series {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    ids = [s.upper() for s in series] if series else None
    options = {
        "group": group,
        "consumer": consumer or socket.gethostname(),
        "start": "0" if from_start else "$",
    }
    asyncio.run(_follow(redis, ids, options, as_json, limit))


async def _follow(
    redis: RedisConfig, ids: list[str] | None, options: dict[str, str], as_json: bool, limit: int
) -> None:
    from contextlib import aclosing

    from liquidity.publish.consumer import feed

    seen = 0
    async with aclosing(feed(redis, ids, **options)) as deliveries:
        async for delivery in deliveries:
            m = delivery.message
            if as_json:
                line = m.to_json()
            else:
                flag = " (revision)" if m.revision else ""
                known = m.known_at.isoformat(timespec="seconds")
                value = f"{m.value:,.0f}" if abs(m.value) >= 1000 else f"{m.value:.6g}"
                line = f"{m.series_id:<14} {m.date} {value:>12} {m.unit}  known {known}{flag}"
            typer.echo(line)
            seen += 1
            if limit and seen >= limit:
                break
