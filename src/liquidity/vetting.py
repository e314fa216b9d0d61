"""The gate every fetched row passes before the store: only what can be true enters.

Sources parse what they are sent; this decides what is kept (pure, one place for
every source):

- a value that is not a finite number (``inf``, ``1e309``, ``Infinity``) is rejected;
- a date the series' release calendar cannot have published by now (a row dated
  2099 would freeze the incremental start for good) is rejected;
- two rows of one date and vintage with different values in one answer: the last is
  kept (as the source lists them) and the conflict is counted;
- a negative value where the series cannot be negative (a balance, an index level)
  is kept, as the source published it, but flagged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from liquidity.models import Observation
from liquidity.registry import SeriesSpec

# Sources publish early sometimes (a holiday moved, an estimate of ours off by hours):
# a date is refused only when even a day's grace cannot make it public by now.
EARLY_GRACE = timedelta(days=1)
# Beyond this no calendar is consulted: nothing we collect is dated weeks ahead.
FAR_AHEAD = timedelta(days=31)
NON_NEGATIVE_DIMENSIONS = frozenset({"usd", "index"})


@dataclass(slots=True)
class Vetted:
    observations: list[Observation]
    nonfinite: int = 0
    future: list[date] = field(default_factory=list)
    conflicts: int = 0  # dates given twice with different values (the last kept)
    negative: list[date] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return self.nonfinite + len(self.future)


def publishable_by(spec: SeriesSpec, now: datetime, day: date) -> bool:
    """Whether an observation dated ``day`` can be public at ``now`` (with grace)."""
    return _publishable(spec, _today(spec, now), day)


def _today(spec: SeriesSpec, now: datetime) -> date:
    return now.astimezone(ZoneInfo(spec.release.zone)).date()


def _publishable(spec: SeriesSpec, today: date, day: date) -> bool:
    if day <= today - FAR_AHEAD:
        return True  # the common case, without a calendar lookup
    if day > today + FAR_AHEAD:
        return False
    return spec.release.release_date(day) <= today + EARLY_GRACE


def can_be_negative(spec: SeriesSpec) -> bool:
    return spec.unit.dimension not in NON_NEGATIVE_DIMENSIONS


def vet(spec: SeriesSpec, observations: list[Observation], now: datetime) -> Vetted:
    """What of ``observations`` may be stored at ``now``, and what was wrong (pure)."""
    out = Vetted([])
    kept: dict[tuple[date, date], Observation] = {}
    today = _today(spec, now)
    settled = today - FAR_AHEAD  # dated on or before: publishable without a calendar
    for obs in observations:
        if not math.isfinite(obs.value):
            out.nonfinite += 1
            continue
        if obs.date > settled and not _publishable(spec, today, obs.date):
            out.future.append(obs.date)
            continue
        key = (obs.date, obs.realtime_start)
        earlier = kept.pop(key, None)  # re-inserted: the source's order is kept
        if earlier is not None and earlier.value != obs.value:
            out.conflicts += 1
        kept[key] = obs
    out.observations = list(kept.values())
    if not can_be_negative(spec):
        out.negative = sorted({o.date for o in out.observations if o.value < 0})
    return out
