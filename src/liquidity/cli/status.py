"""``liquidity status``: per series, what we have and how fresh it is."""

from __future__ import annotations

import typer


def status(ctx: typer.Context) -> None:
    """Last date, rows, last fetch and its result, per series."""
    from datetime import UTC, datetime

    from liquidity.cli.render import render
    from liquidity.registry import SERIES
    from liquidity.storage import open_store

    app = ctx.obj
    store = app.run(open_store, app.settings())
    try:
        states = app.run(store.states)
    finally:
        store.close()
    now = datetime.now(UTC)
    header = ["series", "source", "rows", "last date", "data age", "last fetched", "result"]
    rows = []
    for sid, spec in SERIES.items():
        st = states.get(sid)
        last_date = st.last_date if st else None
        fetched = st.last_fetched_at if st else None
        rows.append([
            sid, spec.source, st.rows if st else 0, last_date or "-",
            f"{(now.date() - last_date).days}d" if last_date else "-",
            f"{_ago(now - fetched)} ago" if fetched else "never",
            "failed" if st and st.last_error else ("ok" if fetched else "-"),
        ])  # fmt: skip
    render("status", header, rows, "table")
    for sid, st in sorted(states.items()):
        if st.last_error:
            typer.echo(f"{sid}: last fetch failed: {st.last_error}", err=True)


def _ago(delta: object) -> str:
    seconds = int(delta.total_seconds())  # type: ignore[attr-defined]
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
