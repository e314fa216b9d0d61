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
    layout: str = typer.Option(
        "auto",
        "--layout",
        help="Components / same-unit series: auto (own axes when one axis would squash "
        "one), shared, panels, changes (weekly changes).",
    ),
    money: str = typer.Option(
        "auto",
        "--money",
        help="Money unit for the whole chart: auto, millions, billions, trillions.",
    ),
    shade: list[str] = typer.Option(
        [], "--shade", help="Shade periods: recessions (NBER), qt, or a 0/1 catalog series."
    ),
    plotly_js: str = typer.Option(
        "inline", "--plotly", help="HTML: plotly.js inline (works offline, ~5 MB) or cdn."
    ),
) -> None:
    """Draw Net Liquidity with its components, or series, to a file."""
    from liquidity import plots

    app = ctx.obj
    app.run(plots.output_format, output)  # bad options fail before any work
    app.run(plots.check_plotly_js, plotly_js)
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
            layout=layout,
            money=money,
            shade=shade,
        )
    app.run(plots.render, chart, output, plotly_js=plotly_js)
    typer.echo(str(output))
