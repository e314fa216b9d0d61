"""Options the reading commands share, and their dates and instants parsed as usage errors.

The parsing itself is ``liquidity.window``'s; here a ``WindowError`` becomes click's
``BadParameter`` (exit 2), naming the option."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from liquidity.window import Window, WindowError

# Options several commands share, declared once (typer accepts one OptionInfo as the
# default of several parameters).
START = typer.Option(None, "--start", help="First date (YYYY-MM-DD).")
END = typer.Option(None, "--end", help="Last date (YYYY-MM-DD), not before --start.")
AS_OF = typer.Option(
    None,
    "--as-of",
    help="Only what was public at this instant (ISO; naive = UTC; "
    "a bare date = end of that day in New York).",
)
VARIANT = typer.Option("weekly", "--variant", help="Net Liquidity: weekly, daily or primary.")
WIDE = typer.Option(
    False, "--wide", help="Every column, even past the terminal's width (default: fits 80)."
)


# The command line names the window's fields by their options.
OPTIONS = {"start": "--start", "end": "--end", "as_of": "--as-of"}


def parse_date(value: str | None, name: str) -> date | None:
    from liquidity.window import WindowError
    from liquidity.window import parse_date as parse

    try:
        return parse(value, name)
    except WindowError as exc:
        raise _bad(exc) from None


def parse_instant(value: str | None, name: str = "--as-of") -> datetime | None:
    """See ``liquidity.window.parse_instant``: naive = UTC, a bare date = the end of that
    day in New York, clamped to what UTC can hold."""
    from liquidity.window import WindowError
    from liquidity.window import parse_instant as parse

    try:
        return parse(value, name)
    except WindowError as exc:
        raise _bad(exc) from None


def parse_window(start: str | None, end: str | None, as_of: str | None) -> Window:
    """``--start``, ``--end`` and ``--as-of`` as a ``Window``; ``--start`` after ``--end``
    is refused."""
    from liquidity.window import Window, WindowError

    try:
        return Window.parse(start, end, as_of, OPTIONS)
    except WindowError as exc:
        raise _bad(exc) from None


def _bad(exc: WindowError) -> typer.BadParameter:
    # click prints "Invalid value for '--start': ..." and exits 2, as for any bad option.
    return typer.BadParameter(exc.problem, param_hint=exc.label)
