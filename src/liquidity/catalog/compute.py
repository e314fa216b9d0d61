"""Derived series from their operands' rows, and any series as it was known each day.

Pure functions over observations (the reads are the caller's):

- ``evaluate``: a formula over the latest values. With ``dates = X``, one row per date of
  X, every operand its latest observation dated on or before; without, the dates common
  to every operand.
- ``realtime``: for each date d, the value public at the end of d in New York: among
  the vintages with ``known_at`` before the next New York midnight, the latest
  observation dated on or before d (a derived series: each operand so). One pass: the
  vintages sorted by ``known_at`` are swept once while the days advance.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from math import isfinite, nan
from zoneinfo import ZoneInfo

from liquidity.catalog.model import Catalog, DerivedEntry
from liquidity.models import VINTAGE_SOURCE, Observation
from liquidity.registry.releases import NEW_YORK


@dataclass(frozen=True, slots=True)
class DerivedRow:
    date: date
    value: float  # in the entry's unit
    components: dict[str, float]  # operand -> value, at the formula's common scale


Reader = Callable[[str], Sequence[Observation]]


def evaluate(catalog: Catalog, entry: DerivedEntry, read: Reader) -> list[DerivedRow]:
    """``entry`` from its operands' latest rows (``read(id)``: one row per date, ascending);
    derived operands are evaluated first."""
    series = {op: _points(catalog, op, read) for op in entry.operands}
    if entry.dates is None:  # exact dates common to all operands
        common = set.intersection(*(set(s) for s in series.values()))
        days = sorted(common)
        aligned: dict[str, list[float | None]] = {
            op: [s[d] for d in days] for op, s in series.items()
        }
    else:
        days = sorted(series[entry.dates])
        aligned = {op: _on_or_before(s, days) for op, s in series.items()}
    return _rows(catalog, entry, days, aligned)


def _points(catalog: Catalog, entry_id: str, read: Reader) -> dict[date, float]:
    if entry_id in catalog.derived:
        return {r.date: r.value for r in evaluate(catalog, catalog.derived[entry_id], read)}
    return {o.date: o.value for o in read(entry_id)}


def _on_or_before(points: Mapping[date, float], days: Sequence[date]) -> list[float | None]:
    keys = sorted(points)
    out: list[float | None] = []
    for day in days:
        i = bisect_right(keys, day)
        out.append(points[keys[i - 1]] if i else None)
    return out


def _rows(
    catalog: Catalog,
    entry: DerivedEntry,
    days: Sequence[date],
    aligned: Mapping[str, Sequence[float | None]],
) -> list[DerivedRow]:
    """A row for each day whose operands are all known and finite and whose value is
    finite (a zero divisor gives none)."""
    scales, ops = entry.scales, entry.operands
    out = []
    for i, day in enumerate(days):
        env: dict[str, float] = {}
        for op in ops:
            operand = aligned[op][i]
            if operand is None or not isfinite(operand):
                break
            env[op] = operand
        else:
            value = _value(entry, env)
            if isfinite(value):
                parts = {op: env[op] * scales.get(op, 1.0) for op in ops}
                out.append(DerivedRow(day, value, parts))
    return out


def _value(entry: DerivedEntry, env: Mapping[str, float]) -> float:
    """The entry's value for one date's operands (nan propagates); nan where the formula
    has none (a zero divisor)."""
    try:
        return float(entry.evaluate(env)) * entry.factor
    except ZeroDivisionError:
        return nan


# --- as known each day --------------------------------------------------------------


@lru_cache(maxsize=1 << 16)  # every operand of a formula asks for the same days
def end_of_day(day: date) -> datetime:
    """The next New York midnight after ``day`` began, in UTC: what was public "that
    evening" is what was known strictly before it."""
    midnight = datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(NEW_YORK))
    return midnight.astimezone(UTC)


def _order(o: Observation) -> tuple[datetime, bool, date]:
    # The store's "known last" rule: later known_at, then an exact vintage, then the
    # later realtime_start wins; sorted ascending, the winner comes last.
    return (o.known_at, o.source == VINTAGE_SOURCE, o.realtime_start)


def as_known(vintages: Sequence[Observation], days: Sequence[date]) -> list[float | None]:
    """For each of ``days`` (ascending): the latest observation dated on or before it, as
    known at the end of that day; ``None`` when nothing was public yet."""
    rows = sorted(vintages, key=_order)
    known: list[date] = []  # dates with a public value, ascending
    value: dict[date, float] = {}
    out: list[float | None] = []
    i, n = 0, len(rows)
    for day in days:
        cutoff = end_of_day(day)
        while i < n and rows[i].known_at < cutoff:
            row = rows[i]
            if row.date not in value:
                insort(known, row.date)  # mostly an append: dates arrive in order
            value[row.date] = row.value
            i += 1
        j = bisect_right(known, day)
        out.append(value[known[j - 1]] if j else None)
    return out


def realtime(
    catalog: Catalog, entry_id: str, vintages: Mapping[str, Sequence[Observation]]
) -> list[tuple[date, float]]:
    """``entry_id`` as it was known each day: (date, value) for every date of the series
    (of its ``dates`` operand for a derived one, or of the dates common to its operands)."""
    days = sorted(_dates(catalog, entry_id, vintages))
    values = _known_on(catalog, entry_id, vintages, days)
    return [(d, float(v)) for d, v in zip(days, values, strict=True) if isfinite(v)]


def _dates(
    catalog: Catalog, entry_id: str, vintages: Mapping[str, Sequence[Observation]]
) -> set[date]:
    if entry_id not in catalog.derived:
        return {o.date for o in vintages.get(entry_id, ())}
    entry = catalog.derived[entry_id]
    if entry.dates is not None:
        return _dates(catalog, entry.dates, vintages)
    return set.intersection(*(_dates(catalog, op, vintages) for op in entry.operands))


def _known_on(
    catalog: Catalog,
    entry_id: str,
    vintages: Mapping[str, Sequence[Observation]],
    days: Sequence[date],
) -> list[float]:
    """Values of ``entry_id`` as known at the end of each of ``days`` (nan: not yet)."""
    if entry_id not in catalog.derived:
        known = as_known(vintages.get(entry_id, ()), days)
        return [nan if v is None else v for v in known]
    entry = catalog.derived[entry_id]
    columns = {op: _known_on(catalog, op, vintages, days) for op in entry.operands}
    out = []
    for i in range(len(days)):
        value = _value(entry, {op: column[i] for op, column in columns.items()})
        out.append(value if isfinite(value) else nan)
    return out
