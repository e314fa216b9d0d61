"""``liquidity show``: a series, a formula or Net Liquidity, as of any instant or as it was
known each day (``--realtime``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import typer

from liquidity.cli.options import AS_OF, END, START, VARIANT, parse_window


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


REALTIME = typer.Option(
    False,
    "--realtime",
    help="Each date's value as public at the end of that day (New York), inputs included.",
)


def show(
    ctx: typer.Context,
    what: str = typer.Argument(..., help="A series or formula id, or 'net-liquidity'."),
    start: str = START,
    end: str = END,
    as_of: str = AS_OF,
    variant: str = VARIANT,
    realtime: bool = REALTIME,
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, csv or json."),
    limit: int = typer.Option(
        None,
        "--limit",
        min=0,
        help="Only the last N rows (default: 30 for table, all otherwise; 0 = the header alone).",
    ),
) -> None:
    """Print a series, a formula or Net Liquidity (USD millions, with its components)."""
    from liquidity import query
    from liquidity.cli.render import render
    from liquidity.transforms.net_liquidity import NETLIQ_IDS
    from liquidity.transforms.net_liquidity import variant as variant_of

    app = ctx.obj
    window = parse_window(start, end, as_of)
    if realtime and window.as_of is not None:
        app.fail_with("--realtime shows each day as known that day: drop --as-of")
    with app.store() as store:
        from liquidity.catalog.active import active_catalog

        catalog = active_catalog()
        netliq = what.lower() == query.NET_LIQUIDITY
        if netliq and realtime:
            app.run(variant_of, variant)  # an unknown variant: one line
            entry_id = NETLIQ_IDS[variant]
        else:
            entry_id = query.NET_LIQUIDITY if netliq else app.run(catalog.find, what)
        title = _title(catalog, entry_id, variant)
        if realtime:
            header = ["date", "net_liquidity" if netliq else "value"]
            table = [list(r) for r in app.run(query.realtime, store, catalog, entry_id, window)]
        elif netliq:
            rows = app.run(query.net_liquidity, store, variant, window)
            header, table = _derived_table(rows, "net_liquidity")
        elif entry_id in catalog.derived:
            rows = app.run(query.derived, store, catalog, entry_id, window)
            header, table = _derived_table(rows, "value")
        else:
            obs = app.run(query.series, store, entry_id, window)
            header = ["date", "value", "realtime_start", "known_at", "source"]
            table = [[o.date, o.value, o.realtime_start, o.known_at, o.source] for o in obs]
        if not table:  # say why: nothing collected, nothing public yet, or an empty window
            name = query.NET_LIQUIDITY if netliq else entry_id
            app.fail_with(app.run(query.why_empty, store, name, variant, window))
    shown = limit if limit is not None else (30 if fmt is Format.table else len(table))
    render(title, header, table[max(len(table) - shown, 0) :], fmt.value)


def _title(catalog: Any, entry_id: str, variant: str) -> str:
    if entry_id == "net-liquidity":
        return f"Net Liquidity ({variant}), USD millions"
    return f"{entry_id}: {catalog.title(entry_id)} ({catalog.unit(entry_id).label})"


def _derived_table(rows: list[Any], column: str) -> tuple[list[str], list[list[object]]]:
    """Rows with ``net_liquidity`` (NetLiquidityRow) or ``value`` (DerivedRow), and the
    components beside them."""
    if not rows:
        return ["date", column], []
    parts = list(rows[0].components)
    header = ["date", column, *parts]
    return header, [[r.date, getattr(r, column), *(r.components[p] for p in parts)] for r in rows]
