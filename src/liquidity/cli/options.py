"""Parsing of dates and instants given on the command line (and, for instants, the API)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import typer

NEW_YORK = ZoneInfo("America/New_York")
# The instants a timestamp can hold (years 1 to 9999, UTC); nothing stored lies outside.
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)

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


def parse_date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from None


def parse_instant(value: str | None, name: str = "--as-of") -> datetime | None:
    """An ISO instant. With an offset: that instant; without: UTC; a bare date:
    the end of that day in New York (what was known by that evening)."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return representable(datetime.combine(day, time(23, 59, 59, 999999), NEW_YORK))
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO date or instant (e.g. 2024-03-15T12:00:00-04:00)",
            param_hint=name,
        ) from None
    return representable(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def representable(moment: datetime) -> datetime:
    """``moment`` (aware), clamped to the instants UTC can hold.

    9999-12-31 in New York ends after the last one and 0001-01-01 at +14:00 starts before
    the first; every stored ``known_at`` lies between them, so the clamped instant selects
    exactly the rows the instant asked for would (everything, or nothing)."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return LATEST if moment.year == datetime.max.year else EARLIEST
    return moment


def parse_window(start: str | None, end: str | None, as_of: str | None) -> dict[str, Any]:
    """``--start``, ``--end`` and ``--as-of`` as the ``start``/``end``/``as_of`` keywords
    that queries and plots take; ``--start`` after ``--end`` is refused."""
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    if first is not None and last is not None and first > last:
        raise typer.BadParameter(f"{first} is after --end {last}", param_hint="--start")
    return {"start": first, "end": last, "as_of": parse_instant(as_of)}
