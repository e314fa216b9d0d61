"""Shaded periods: US recessions (NBER), the Fed's balance-sheet runoff (QT), or the
dates where any catalog series is non-zero (an indicator such as FRED's USREC, once a
catalog names it)."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date

from liquidity.plots.model import Period


def _months(first: tuple[int, int], last: tuple[int, int], label: str) -> Period:
    """From the first day of ``first`` to the last day of ``last`` (year, month)."""
    end = date(last[0], last[1], calendar.monthrange(*last)[1])
    return Period(date(first[0], first[1], 1), end, label)


# NBER business cycle reference dates (nber.org/research/business-cycle-dating), peak
# month to trough month, as FRED's recession shading draws them.
RECESSIONS = tuple(
    _months(peak, trough, "recession")
    for peak, trough in (
        ((1948, 11), (1949, 10)),
        ((1953, 7), (1954, 5)),
        ((1957, 8), (1958, 4)),
        ((1960, 4), (1961, 2)),
        ((1969, 12), (1970, 11)),
        ((1973, 11), (1975, 3)),
        ((1980, 1), (1980, 7)),
        ((1981, 7), (1982, 11)),
        ((1990, 7), (1991, 3)),
        ((2001, 3), (2001, 11)),
        ((2007, 12), (2009, 6)),
        ((2020, 2), (2020, 4)),
    )
)
# The FOMC's runoff of its securities holdings: October 2017 to July 2019 (ended early
# on 2019-07-31), and June 2022 until the runoff it decided on 2025-10-29 to end on
# 2025-12-01.
QT = (_months((2017, 10), (2019, 7), "QT"), _months((2022, 6), (2025, 11), "QT"))
NAMED = {"recessions": RECESSIONS, "qt": QT}


def from_values(points: Sequence[tuple[date, float]], label: str) -> tuple[Period, ...]:
    """Runs of consecutive non-zero values (1 = in the period), each from its first date
    to its last."""
    out: list[Period] = []
    start: date | None = None
    last: date | None = None
    for day, value in points:
        if value != 0 and start is None:
            start = day
        if value == 0 and start is not None and last is not None:
            out.append(Period(start, last, label))
            start = None
        last = day
    if start is not None and last is not None:
        out.append(Period(start, last, label))
    return tuple(out)


def within(periods: Sequence[Period], first: date, last: date) -> tuple[Period, ...]:
    """The periods that overlap [first, last], cut to it."""
    return tuple(
        Period(max(p.start, first), min(p.end, last), p.label)
        for p in periods
        if p.end >= first and p.start <= last
    )
