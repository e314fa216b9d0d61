"""The ``liquidity`` command line: thin commands over library calls.

Only typer is imported here so that ``liquidity --help`` starts fast; each
command imports what it needs when it runs.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

from liquidity.cli.context import AppContext, fail
from liquidity.thirdparty.httpx import refuse_own_cli

refuse_own_cli()

app = typer.Typer(
    name="liquidity",
    help="US dollar liquidity data: collect, keep every vintage, compute Net Liquidity.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # tracebacks with locals could show secrets
    add_completion=False,
    # Plain click help: typer's Rich help imports rich.markdown, markdown_it and pygments,
    # ~0.2 s on every `--help` and every usage error.
    rich_markup_mode=None,
)


@app.callback()
def _root(
    ctx: typer.Context,
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More logs (-vv: debug)."),
) -> None:
    ctx.obj = AppContext(verbose)


def _register() -> None:
    from liquidity.cli import check, collect, plot, serve, show, status, watch
    from liquidity.cli.catalog import catalog_app
    from liquidity.cli.db import db_app

    app.command("collect")(collect.collect)
    app.command("show")(show.show)
    app.command("status")(status.status)
    app.command("watch")(watch.watch)
    app.command("check")(check.check)
    app.command("serve")(serve.serve)
    app.command("plot")(plot.plot)
    app.add_typer(db_app, name="db")
    app.add_typer(catalog_app, name="catalog")


_register()


def main() -> NoReturn:
    """The process entry point (the ``liquidity`` script, ``python -m liquidity``): runs
    the command and ends the process. In-process callers use ``app``."""
    try:
        app()
    except KeyboardInterrupt:
        fail("interrupted", code=130)
    except SystemExit as exc:
        _end(exc)
    except Exception as exc:  # a bug: one redacted line, traceback only with -vv
        from liquidity.cli.context import report_unexpected

        report_unexpected(exc)
        _end(SystemExit(1))
    _end(SystemExit(0))


def _end(done: SystemExit) -> NoReturn:
    """Exit as ``done`` says, without tearing the interpreter down: with every module of a
    collect loaded, clearing them and collecting their objects takes ~0.05-0.1 s after the
    command is over. Exit handlers still run and both streams are flushed first; with a
    thread still running, or a code that is not a number, the ordinary exit (it joins
    threads, prints a message code)."""
    code = done.code
    threads = sys.modules.get("threading")
    if not (code is None or isinstance(code, int)) or (threads and threads.active_count() > 1):
        raise done
    import atexit
    import os

    atexit._run_exitfuncs()  # logging's shutdown among them
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe or stream: let Python report it as usual
        raise done from None
    os._exit(code or 0)
