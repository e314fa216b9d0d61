"""Where a line must not be drawn: gaps in its data, and points left alone by them."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from datetime import date, timedelta

from liquidity.plots.model import Line

# Calendar days two neighbours may lie apart in a series of each frequency: a business
# day series skips weekends and holidays (4 days at most, 9/11 closed markets for 6), a
# weekly one is dated the same weekday every week.
ALLOWED = {"daily": timedelta(days=7), "weekly": timedelta(days=10), "monthly": timedelta(days=35)}
SPACING_SLACK = 2.5  # times the line's usual spacing, when that is wider than the above


def allowed_gap(frequency: str, dates: Sequence[date]) -> timedelta:
    """The widest step joined by a line: what ``frequency`` allows, widened when the data
    is sparser than its catalog says (weekly bars of a series catalogued daily)."""
    base = ALLOWED.get(frequency, ALLOWED["daily"])
    if len(dates) < 3:
        return base
    usual = statistics.median((b - a).days for a, b in itertools.pairwise(dates))
    if usual <= base.days:  # the data is as dense as its frequency: a missed step is a gap
        return base
    return timedelta(days=math.ceil(usual * SPACING_SLACK))


def broken(line: Line) -> tuple[list[date], list[float | None]]:
    """The line's points with a ``None`` value between two points a gap apart: renderers
    break the line there instead of drawing across dates that have no data."""
    if line.max_gap is None or not line.dates:
        return list(line.dates), list(line.values)
    xs: list[date] = [line.dates[0]]
    ys: list[float | None] = [line.values[0]]
    for prev, day, value in zip(line.dates, line.dates[1:], line.values[1:], strict=False):
        if day - prev > line.max_gap:
            xs.append(prev + (day - prev) / 2)
            ys.append(None)
        xs.append(day)
        ys.append(value)
    return xs, ys


def gaps(line: Line) -> list[tuple[date, date]]:
    """(last date before, first date after) of each gap the line is broken at."""
    if line.max_gap is None:
        return []
    limit = line.max_gap
    return [(a, b) for a, b in itertools.pairwise(line.dates) if b - a > limit]


def isolated(line: Line) -> list[int]:
    """Indexes of points with no neighbour joined to them: a line cannot show them, so
    they are drawn as markers."""
    n = len(line.dates)
    if line.max_gap is None or n < 2:
        return list(range(n)) if n == 1 else []
    joined = [b - a <= line.max_gap for a, b in itertools.pairwise(line.dates)]
    return [i for i in range(n) if not (i > 0 and joined[i - 1]) and not (i < n - 1 and joined[i])]
