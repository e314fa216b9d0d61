"""``liquidity catalog``: the series and formulas there are, and where each is defined."""

from __future__ import annotations

from pathlib import Path

import typer

catalog_app = typer.Typer(
    help="The catalog of series and formulas: list it, or check a catalog file.",
    invoke_without_command=True,
    rich_markup_mode=None,  # plain help, as the main app (cli/__init__.py)
)


@catalog_app.callback()
def listing(
    ctx: typer.Context,
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
) -> None:
    """Every entry with its source, unit, release and where it is defined."""
    if ctx.invoked_subcommand is not None:
        return
    from liquidity.catalog.active import active_catalog
    from liquidity.catalog.load import FRED_UNIT
    from liquidity.cli.render import render

    if fmt not in ("table", "csv", "json"):
        raise typer.BadParameter("table, csv or json", param_hint="--format")
    ctx.obj.settings()  # installs the user's catalog
    catalog = active_catalog()
    header = ["id", "source", "unit", "release", "defined in", "formula"]
    rows: list[list[object]] = []
    for sid, entry in catalog.series.items():
        spec = entry.spec
        unit = spec.unit.label + (" (FRED)" if entry.unit_from == FRED_UNIT else "")
        rows.append([sid, spec.source, unit, spec.release.name, entry.origin, ""])
    for did, derived in catalog.derived.items():
        dates = f" (dates of {derived.dates})" if derived.dates else ""
        rows.append(
            [did, "derived", derived.unit.label, "-", derived.origin, derived.formula + dates]
        )
    render("catalog", header, rows, fmt)


@catalog_app.command("check")
def check(
    ctx: typer.Context,
    path: Path = typer.Argument(
        None, help="A catalog file (default: LIQUIDITY_CATALOG or the user's catalog.toml)."
    ),
) -> None:
    """Validate a catalog file merged over the packaged one: one line per problem."""
    from liquidity.catalog import check_file
    from liquidity.catalog.load import UNASKED
    from liquidity.compose import catalog_path, fred_units
    from liquidity.errors import ConfigError

    settings = ctx.obj.settings(catalog=False)  # the file checked must not stop the check
    path = path or catalog_path(settings)[0]
    try:  # with a key, the units of entries that leave them to FRED: cached, else asked
        units, unasked = fred_units(settings, path, required=True), []
    except ConfigError as exc:
        units, unasked = {}, str(exc).splitlines()
    problems = unasked + [
        line  # an entry whose unit FRED could not give is reported once, above
        for line in check_file(path, keyed=settings.fred_api_key is not None, fred_units=units)
        if not (unasked and line.endswith(UNASKED))
    ]
    for line in problems:
        typer.echo(f"error: {line}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"{path}: ok")
