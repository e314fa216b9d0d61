"""Print rows as a Rich table, CSV or JSON.

Tables fit an 80-column terminal without cutting a cell: dates and numbers never wrap
(Rich narrows the wrapping text columns first), text folds onto more lines rather than
ending in ``…``, and columns a command marks ``wide`` only show with ``--wide``, on a
console as wide as the table needs. Narrower than 80, a cut date or number shows ``…``.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    right: bool = False  # numbers: right-aligned
    wrap: bool = False  # free text that may take several lines; everything else never wraps
    wide: bool = False  # only with --wide


def _text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def _plain(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def render(title: str, header: Sequence[str], rows: Sequence[Sequence[object]], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([[_plain(v) for v in row] for row in rows])
    elif fmt == "json":
        records = [{h: _plain(v) for h, v in zip(header, row, strict=True)} for row in rows]
        json.dump(records, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        # Numbers and dates never wrap; a text column (the source) folds if it must.
        columns = [
            Column(name, right=i > 0, wrap=not all(_atomic(row[i]) for row in rows))
            for i, name in enumerate(header)
        ]
        table(title, columns, rows)


def _atomic(value: object) -> bool:
    return isinstance(value, int | float | date)  # date covers datetime


def table(
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[object]],
    *,
    wide: bool = False,
) -> Console:
    """Print ``rows`` (one value per column, markup allowed) as a table; the console used
    is returned for what a command prints after it."""
    from rich.console import Console
    from rich.table import Table

    shown = [i for i, c in enumerate(columns) if wide or not c.wide]
    grid = Table(title=title, title_justify="left")
    for i in shown:
        c = columns[i]
        grid.add_column(
            c.header,
            justify="right" if c.right else "left",
            no_wrap=not c.wrap,
            # Text too long for its column takes more lines. A date or number is only cut
            # below the width a command's columns are chosen for (80), and then shows "…".
            overflow="fold" if c.wrap else "ellipsis",
        )
    for row in rows:
        grid.add_row(*(_text(row[i]) for i in shown))
    # Emoji codes are never ours to print; not replacing them saves importing their table.
    console = Console(emoji=False)
    if wide:  # the whole table, even past the terminal's edge, rather than cut cells
        needed = console.measure(grid, options=console.options.update_width(10_000)).maximum
        if needed > console.width:
            console = Console(emoji=False, width=needed)
    console.print(grid)
    return console
