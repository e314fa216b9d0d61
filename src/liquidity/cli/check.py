"""``liquidity check``: do overlapping sources agree?"""

from __future__ import annotations

import typer

from liquidity.cli.options import START, WIDE, parse_date, parse_instant


def check(
    ctx: typer.Context,
    start: str = START,
    as_of: str = typer.Option(None, "--as-of", help="Compare what was known at this instant."),
    scale: float = typer.Option(1.0, "--tolerance-scale", min=0.0, help="Multiply tolerances."),
    wide: bool = WIDE,
) -> None:
    """Compare FRED RRPONTSYD with the NY Fed, and WDTGAL with the DTS on Wednesdays.

    Exits 1 when a difference exceeds its tolerance (100 and 1000 USD millions)."""
    from liquidity.cli.render import Column, table
    from liquidity.consistency import check as run_check
    from liquidity.consistency import negatives

    app = ctx.obj
    first, moment = parse_date(start, "--start"), parse_instant(as_of)
    with app.store() as store:
        results = app.run(run_check, store, start=first, as_of=moment, scale=scale)
        negative = app.run(negatives, store, start=first, as_of=moment)
    rows = [
        [
            r.pair.name,
            r.pair.left,
            r.pair.right,
            r.compared,
            len(r.discrepancies),
            f"{r.pair.tolerance * scale:g}",
        ]
        for r in results
    ]
    # The pair's name wraps at 80 columns; --wide adds the two series it compares.
    columns = [
        Column("pair", wrap=True),
        Column("left", wide=True),
        Column("right", wide=True),
        Column("dates compared", right=True, wrap=True),
        Column("discrepancies", right=True),
        Column("tolerance (USD mn)", right=True, wrap=True),
    ]
    table("consistency", columns, rows, wide=wide)
    bad = [(r, d) for r in results for d in r.discrepancies]
    for result, d in bad[:50]:
        typer.echo(
            f"discrepancy: {result.pair.name}: {d.date}: {result.pair.left} {d.left:,.0f} vs "
            f"{result.pair.right} {d.right:,.0f} (USD mn, difference {d.difference:,.0f})",
            err=True,
        )
    for series_id, days in negative.items():
        shown = ", ".join(d.isoformat() for d in days[:5])
        more = f" and {len(days) - 5} more" if len(days) > 5 else ""
        typer.echo(f"negative: {series_id}: cannot be negative, is on {shown}{more}", err=True)
    if bad or negative:
        raise typer.Exit(1)
    if not any(r.compared for r in results):
        typer.echo(
            "nothing to compare yet: collect RRPONTSYD, RRP_NYFED, WDTGAL and TGA_DTS", err=True
        )
