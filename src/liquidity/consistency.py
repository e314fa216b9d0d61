"""Cross-checks between sources that measure the same thing.

- ON RRP: FRED's RRPONTSYD against the NY Fed's operation results, every day.
- TGA: the H.4.1 Wednesday level (WDTGAL) against the DTS closing balance, on
  Wednesdays.
Both compared in USD millions through the registry; a difference beyond the
pair's tolerance is a discrepancy worth a look (a revision, a unit bug, a gap).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from liquidity.catalog.active import get

if TYPE_CHECKING:
    from liquidity.models import Observation
    from liquidity.storage.base import Store


@dataclass(frozen=True, slots=True)
class Pair:
    name: str
    left: str
    right: str
    tolerance: float  # USD millions
    weekday: int | None = None  # compare only on this weekday (Wednesday = 2)


PAIRS = (
    Pair("ON RRP: FRED vs NY Fed", "RRPONTSYD", "RRP_NYFED", 100.0),
    Pair("TGA on Wednesdays: H.4.1 vs DTS", "WDTGAL", "TGA_DTS", 1000.0, weekday=2),
)


@dataclass(frozen=True, slots=True)
class Discrepancy:
    date: date
    left: float  # USD millions
    right: float

    @property
    def difference(self) -> float:
        return self.left - self.right


@dataclass(frozen=True, slots=True)
class PairResult:
    pair: Pair
    compared: int
    discrepancies: list[Discrepancy]


def compare(
    pair: Pair, left: Sequence[Observation], right: Sequence[Observation], tolerance: float
) -> PairResult:
    """Dates present in both (pure); values converted to USD millions."""
    lf = get(pair.left).usd_millions_factor or 1.0
    rf = get(pair.right).usd_millions_factor or 1.0
    theirs = {o.date: o.value * rf for o in right}
    compared, found = 0, []
    for o in left:
        if o.date not in theirs or (pair.weekday is not None and o.date.weekday() != pair.weekday):
            continue
        compared += 1
        ours = o.value * lf
        if abs(ours - theirs[o.date]) > tolerance:
            found.append(Discrepancy(o.date, ours, theirs[o.date]))
    return PairResult(pair, compared, found)


def check(
    store: Store,
    *,
    start: date | None = None,
    as_of: datetime | None = None,
    scale: float = 1.0,
) -> list[PairResult]:
    """Every pair over what the store holds; ``scale`` multiplies the tolerances."""
    return [
        compare(
            pair,
            store.read(pair.left, start=start, as_of=as_of),
            store.read(pair.right, start=start, as_of=as_of),
            pair.tolerance * scale,
        )
        for pair in PAIRS
    ]


def negatives(
    store: Store, *, start: date | None = None, as_of: datetime | None = None
) -> dict[str, list[date]]:
    """Dates on which a series that cannot be negative (a balance, an index) is, by id."""
    from liquidity.catalog.active import SERIES
    from liquidity.vetting import can_be_negative

    found = {}
    for spec in SERIES.values():
        if can_be_negative(spec):
            continue
        days = [o.date for o in store.read(spec.id, start=start, as_of=as_of) if o.value < 0]
        if days:
            found[spec.id] = days
    return found
