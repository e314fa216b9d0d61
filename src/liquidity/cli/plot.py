"""``liquidity plot``: Net Liquidity or series to a PNG, SVG or interactive HTML file."""

from __future__ import annotations

from pathlib import Path

import typer

from liquidity.cli.options import AS_OF, END, START, VARIANT, parse_window


def plot(
    ctx: typer.Context,
    what: list[str] = typer.Argument(
        ..., help="'net-liquidity', or one or more series ids (one axis per unit)."
    ),
    output: Path = typer.Option(
        ..., "--output", "-o", help="Output file: .png, .svg or .html (interactive)."
    ),
    variant: str = VARIANT,
    start: str = START,
    end: str = END,
    as_of: str = AS_OF,
    overlay: str = typer.Option(
        None, "--overlay", help="A market series (e.g. VIX, MOVE) as a z-score on a right axis."
    ),
    realtime: bool = typer.Option(
        False, "--realtime", help="Also each series as it was known each day (New York)."
    ),
) -> None:
    """Draw Net Liquidity with its components, or series, to a file."""
    from liquidity import plots

    app = ctx.obj
    app.run(plots.output_format, output)  # an unknown suffix fails before any work
    window = parse_window(start, end, as_of)
    with app.store() as store:
        chart = app.run(
            plots.prepare,
            store,
            what,
            variant=variant,
            window=window,
            overlay=overlay,
            realtime=realtime,
        )
    app.run(plots.render, chart, output)
    typer.echo(str(output))
