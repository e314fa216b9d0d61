"""``liquidity status``: per series, what we have, what is due, and how fresh it is; then
each source's requests today against its daily ceiling.

The same freshness view as the daemon's metrics (``serve.freshness``). The requests are
the running daemon's (its ``/readyz`` at ``LIQUIDITY_METRICS_ADDR``/``_PORT``); without a
daemon, the ceilings alone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import typer

from liquidity import clock
from liquidity.cli.options import WIDE


def status(ctx: typer.Context, wide: bool = WIDE) -> None:
    """Last date, expected date, overdue, last fetch and its result, per series."""
    from datetime import timedelta

    from liquidity.catalog.active import SERIES
    from liquidity.cli.render import Column, table
    from liquidity.serve.freshness import freshness
    from liquidity.storage.base import spool_of

    app = ctx.obj
    settings = app.settings()
    with app.store() as store:
        states = app.run(store.states)
        spool = spool_of(store)
        spooled = spool.spool_depth()[1] if spool is not None else 0
    now = clock.now()
    grace = timedelta(seconds=settings.overdue_grace)
    # 80 columns hold all but the source; --wide adds it, with the longer headers.
    columns = [
        Column("series"),
        Column("source", wide=True),
        Column("rows", right=True),
        Column("last date"),
        Column("expected"),
        Column("overdue"),
        Column("last success" if wide else "last ok"),
        Column("last fetch" if wide else "fetch"),
    ]
    rows = []
    for sid, spec in SERIES.items():
        st = states.get(sid)
        f = freshness(spec, st, now, grace)
        fetched = st.last_fetched_at if st else None
        rows.append(
            [
                sid,
                spec.source,
                st.rows if st else 0,
                f.last_date or "-",
                f.expected_date or "-",
                "[red]yes[/]" if f.overdue else "no",
                f"{_ago(f.fetch_age)} ago" if f.fetch_age is not None else "never",
                "failed" if st and st.last_error else ("ok" if fetched else "-"),
            ]
        )
    table("status", columns, rows, wide=wide)
    if spooled:
        typer.echo(f"{spooled} rows wait in the spool (`liquidity db flush-spool`)", err=True)
    for sid, st in sorted(states.items()):
        if st.last_error:
            typer.echo(f"{sid}: last fetch failed: {st.last_error}", err=True)
    from liquidity.serve.live_settings import live_config

    ceilings = live_config(settings).ceilings
    _budget(ceilings, _daemon_budget(settings.metrics_addr, settings.metrics_port), table, Column)


def _budget(
    ceilings: Mapping[str, int], used: dict[str, dict[str, Any]] | None, table: Any, column: Any
) -> None:
    rows = []
    for source, ceiling in ceilings.items():
        mine = (used or {}).get(source, {})
        rows.append([source, mine.get("poll", "-"), mine.get("fetch", "-"), ceiling])
    columns = [
        column("source"),
        column("polls today", right=True),
        column("fetches today", right=True),
        column("ceiling a day", right=True),
    ]
    table("requests", columns, rows)
    if used is None:
        typer.echo("requests today: no daemon answers on the metrics port", err=True)


def _daemon_budget(addr: str, port: int) -> dict[str, dict[str, Any]] | None:
    """The running daemon's budget from ``/readyz`` (a raw GET: no HTTP library on the
    start path), or None when none answers within a moment."""
    import json
    import socket

    try:
        with socket.create_connection((addr, port), timeout=0.5) as sock:
            sock.sendall(f"GET /readyz HTTP/1.0\r\nHost: {addr}\r\n\r\n".encode())
            sock.settimeout(2.0)
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        body = json.loads(data.partition(b"\r\n\r\n")[2])
        budget = body.get("budget")
        return budget if isinstance(budget, dict) else None
    except (OSError, ValueError, AttributeError):
        return None


def _ago(seconds: float) -> str:
    whole = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if whole >= size:
            return f"{whole // size}{unit}"
    return f"{whole}s"
