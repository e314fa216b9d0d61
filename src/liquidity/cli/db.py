"""``liquidity db``: schema and spool of the configured store."""

from __future__ import annotations

import typer

db_app = typer.Typer(
    help="Store management: create tables, replay the spool.",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help, as the main app (cli/__init__.py)
)


@db_app.command("init")
def init(ctx: typer.Context) -> None:
    """Create the tables (QuestDB) or check that they match; idempotent."""
    from liquidity.storage.base import schema_of

    app = ctx.obj
    with app.store() as store:
        schema = schema_of(store)
        if schema is None:
            typer.echo(f"{app.settings().store}: tables are created on open; nothing to do")
            return
        created = app.run(schema.init_schema)
    typer.echo(f"created: {', '.join(created)}" if created else "tables exist and match")


@db_app.command("flush-spool")
def flush_spool(ctx: typer.Context) -> None:
    """Write what an outage left in the local spool, oldest first."""
    from liquidity.errors import StorageUnavailableError
    from liquidity.storage.base import spool_of

    app = ctx.obj
    with app.store() as store:
        spooled = spool_of(store)
        if spooled is None:
            typer.echo("this store has no spool")
            return
        try:
            done, result = spooled.flush_spool()
        except StorageUnavailableError as exc:
            entries, rows = spooled.spool_depth()
            app.fail_with(f"{exc}; {entries} entries still spooled ({rows} rows)")
    typer.echo(f"replayed {done} entries: {result.inserted} new, {result.revised} revised rows")
