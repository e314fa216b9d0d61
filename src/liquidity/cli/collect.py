"""``liquidity collect``: fetch what is new, store it, report per series."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from liquidity.cli.options import WIDE, parse_date

if TYPE_CHECKING:
    from rich.console import Console

    from liquidity.pipeline import CollectReport


def collect(
    ctx: typer.Context,
    series: list[str] = typer.Argument(None, help="Series ids (default: all)."),
    start: str = typer.Option(None, "--start", help="Fetch from this date (YYYY-MM-DD)."),
    vintages: bool = typer.Option(
        False, "--vintages", help="FRED series with every ALFRED vintage (needs an API key)."
    ),
    wide: bool = WIDE,
) -> None:
    """Fetch new observations from every source and store them."""
    import asyncio

    from rich.console import Console

    from liquidity.catalog.active import SERIES
    from liquidity.compose import collect_config
    from liquidity.pipeline import collect as run_collect

    app = ctx.obj
    config = collect_config(app.settings())
    first = parse_date(start, "--start")
    ids = _stored_ids(app, series) if series else list(SERIES)
    err = Console(stderr=True)
    with app.store(lean=True) as store, _progress(err, len(ids)) as advance:
        report = app.run(
            asyncio.run,
            run_collect(
                config,
                store,
                ids,
                start=first,
                vintages=vintages,
                # Nothing else uses the store meanwhile; a DuckDB connection may be used
                # from another thread (one at a time), the QuestDB store's SQLite spool not.
                writer_thread=app.settings().store == "duckdb",
                on_progress=lambda r: advance(f"collected {r.series_id}"),
            ),
        )
    _print(report, wide)
    for line in report.warnings():
        typer.echo(f"warning: {line}", err=True)
    spooled = sum(s.written.spooled for s in report.series)
    if spooled:
        typer.echo(
            f"warning: the store is unavailable: {spooled} rows spooled locally; they will be "
            "written first on the next run (or `liquidity db flush-spool`)",
            err=True,
        )
    if report.publish_error:  # stored all the same: exit 0, the next run publishes the backlog
        typer.echo(
            f"warning: not published to Redis: {report.publish_error}; the data is stored and "
            "will be published by the next run",
            err=True,
        )
    if report.failures:
        for failed in report.failures:
            typer.echo(f"error: {failed.series_id}: {failed.error}", err=True)
        raise typer.Exit(1)


@contextmanager
def _progress(err: Console, total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar on a terminal (rich.progress is imported only then), else nothing."""
    if not err.is_terminal:
        yield lambda description: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("[progress.description]{task.description}"), BarColumn())
    with Progress(*columns, MofNCompleteColumn(), console=err, transient=True) as progress:
        task = progress.add_task("collecting", total=total)
        yield lambda description: progress.update(task, advance=1, description=description)


def _print(report: CollectReport, wide: bool) -> None:
    from liquidity.cli.render import Column, table

    # 80 columns hold all but the source (--wide); the status may wrap ("spooled, negative").
    columns = [
        Column("series"),
        Column("source", wide=True),
        Column("new", right=True),
        Column("revised", right=True),
        Column("missing", right=True),
        Column("rejected", right=True),
        Column("last date"),
        Column("status", wrap=True),
    ]
    rows = []
    for s in report.series:
        status = "[red]failed[/]" if s.error else ("unchanged" if s.skipped_unchanged else "ok")
        status = "[yellow]spooled[/]" if s.written.spooled and not s.error else status
        status = f"{status}, [yellow]negative[/]" if s.negative and not s.error else status
        rows.append(
            [
                s.series_id,
                s.source,
                s.written.inserted,
                s.written.revised,
                s.missing,
                s.rejected,
                s.last_date or "-",
                status,
            ]
        )
    console = table("collect", columns, rows, wide=wide)
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(report.statuses.items()))
    console.print(
        f"{report.requests} requests ({statuses or 'none'}), {report.retries} retries, "
        f"{report.elapsed:.2f}s"
    )


def _stored_ids(app: Any, names: list[str]) -> list[str]:
    """The series to fetch for ``names``: a formula stands for the series it reads."""
    from liquidity.catalog.active import active_catalog
    from liquidity.query import base_series

    catalog = active_catalog()
    out: dict[str, None] = {}
    for name in names:
        out.update(dict.fromkeys(base_series(catalog, app.run(catalog.find, name))))
    return list(out)
