"""``liquidity status``: per series, what we have, what is due, and how fresh it is.

The same freshness view as the daemon's metrics (``serve.freshness``)."""

from __future__ import annotations

import typer

from liquidity import clock
from liquidity.cli.options import WIDE


def status(ctx: typer.Context, wide: bool = WIDE) -> None:
    """Last date, expected date, overdue, last fetch and its result, per series."""
    from datetime import timedelta

    from liquidity.cli.render import Column, table
    from liquidity.registry import SERIES
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
        Column("series"), Column("source", wide=True), Column("rows", right=True),
        Column("last date"), Column("expected"), Column("overdue"),
        Column("last success" if wide else "last ok"), Column("last fetch" if wide else "fetch"),
    ]  # fmt: skip
    rows = []
    for sid, spec in SERIES.items():
        st = states.get(sid)
        f = freshness(spec, st, now, grace)
        fetched = st.last_fetched_at if st else None
        rows.append([
            sid, spec.source, st.rows if st else 0, f.last_date or "-", f.expected_date or "-",
            "[red]yes[/]" if f.overdue else "no",
            f"{_ago(f.fetch_age)} ago" if f.fetch_age is not None else "never",
            "failed" if st and st.last_error else ("ok" if fetched else "-"),
        ])  # fmt: skip
    table("status", columns, rows, wide=wide)
    if spooled:
        typer.echo(f"{spooled} rows wait in the spool (`liquidity db flush-spool`)", err=True)
    for sid, st in sorted(states.items()):
        if st.last_error:
            typer.echo(f"{sid}: last fetch failed: {st.last_error}", err=True)


def _ago(seconds: float) -> str:
    whole = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if whole >= size:
            return f"{whole // size}{unit}"
    return f"{whole}s"
