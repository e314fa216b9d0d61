"""``liquidity show``: a series or Net Liquidity, as of any instant."""

from __future__ import annotations

from enum import StrEnum

import typer

from liquidity.cli.options import AS_OF, END, START, VARIANT, parse_window


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def show(
    ctx: typer.Context,
    what: str = typer.Argument(..., help="A series id, or 'net-liquidity'."),
    start: str = START,
    end: str = END,
    as_of: str = AS_OF,
    variant: str = VARIANT,
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, csv or json."),
    limit: int = typer.Option(
        None,
        "--limit",
        min=0,
        help="Only the last N rows (default: 30 for table, all otherwise; 0 = the header alone).",
    ),
) -> None:
    """Print a series or Net Liquidity (USD millions, with its components)."""
    from liquidity import query
    from liquidity.cli.render import render
    from liquidity.registry import get

    app = ctx.obj
    window = parse_window(start, end, as_of)
    with app.store() as store:
        if what.lower() == query.NET_LIQUIDITY:
            rows = app.run(query.net_liquidity, store, variant, window)
            header, table = _net_liquidity_table(rows)
            title, name = f"Net Liquidity ({variant}), USD millions", query.NET_LIQUIDITY
        else:
            spec = app.run(get, what)
            obs = app.run(query.series, store, spec.id, window)
            header = ["date", "value", "realtime_start", "known_at", "source"]
            table = [[o.date, o.value, o.realtime_start, o.known_at, o.source] for o in obs]
            title, name = f"{spec.id}: {spec.title} ({spec.unit.label})", spec.id
        if not table:  # say why: nothing collected, nothing public yet, or an empty window
            app.fail_with(app.run(query.why_empty, store, name, variant, window))
    shown = limit if limit is not None else (30 if fmt is Format.table else len(table))
    render(title, header, table[max(len(table) - shown, 0) :], fmt.value)


def _net_liquidity_table(rows: list) -> tuple[list[str], list[list[object]]]:  # type: ignore[type-arg]
    if not rows:
        return ["date", "net_liquidity"], []
    parts = list(rows[0].components)
    header = ["date", "net_liquidity", *parts]
    return header, [[r.date, r.net_liquidity, *(r.components[p] for p in parts)] for r in rows]
