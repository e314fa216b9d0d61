"""``liquidity serve``: the daemon."""

from __future__ import annotations

import typer


def serve(
    ctx: typer.Context,
    burst: bool = typer.Option(False, "--burst", help="Collect once (catch-up) and exit."),
) -> None:
    """Collect on release times; metrics, /healthz and /readyz on LIQUIDITY_METRICS_PORT."""
    import asyncio

    from liquidity.serve.daemon import Daemon

    app = ctx.obj
    settings = app.settings()
    code = app.run(asyncio.run, Daemon(settings).run(burst=burst))
    raise typer.Exit(code)
