"""Derived series (the catalog's formulas, Net Liquidity among them) to publish after a
batch of input changes (pure but for reads).

Which dates changed: a derived row is republished when one of the input rows it is
computed from was stored in the batch:

- without ``dates`` (exact dates common to all inputs, e.g. ``NETLIQ_WEEKLY``): the
  dates of the changed rows;
- with ``dates = X`` (each input as of each date of X, e.g. ``NETLIQ_DAILY``): for a
  changed row of input C dated d, every date t of X with d <= t < the next date of C,
  i.e. exactly the dates whose as-of lookup of C lands on that row.

A formula over other formulas is published only through its stored inputs: not yet.

``ts_event`` of a derived row is the latest ``known_at`` among the rows it uses
(when it first became computable with these values); ``revision`` is true when
the row could already be computed before the batch, i.e. every component had a
row for it that the batch did not store for the first time.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from liquidity.models import Change, Observation
from liquidity.publish.message import Message, to_ns
from liquidity.publish.names import DERIVED_SOURCE
from liquidity.transforms.net_liquidity import components, compute

if TYPE_CHECKING:
    from liquidity.catalog import DerivedEntry
    from liquidity.storage.base import Store


def derived_messages(store: Store, changes: Sequence[Change], ts_init: int) -> list[Message]:
    """Messages for every derived entry touched by ``changes``, by entry then date."""
    from liquidity.catalog.active import active_catalog

    catalog = active_catalog()
    out: list[Message] = []
    for did, v in catalog.derived.items():
        if any(op in catalog.derived for op in v.operands):
            continue  # see the module docstring
        mine = [c for c in changes if c.observation.series_id in components(v)]
        if mine:
            rows = {sid: store.read(sid) for sid in components(v)}
            out += variant_messages(v, did, rows, mine, ts_init)
    return out


@dataclass(frozen=True, slots=True)
class _Component:
    dates: list[date]  # ascending
    rows: dict[date, Observation]
    prior: list[date]  # ascending: dates that had a row before the batch

    @classmethod
    def build(cls, rows: Sequence[Observation], first_seen: set[date]) -> _Component:
        dates = sorted(o.date for o in rows)
        return cls(dates, {o.date: o for o in rows}, [d for d in dates if d not in first_seen])

    def as_of(self, day: date, exact: bool) -> Observation | None:
        if exact:
            return self.rows.get(day)
        i = bisect_right(self.dates, day)
        return self.rows[self.dates[i - 1]] if i else None

    def had_row(self, day: date, exact: bool) -> bool:
        i = bisect_right(self.prior, day)
        return bool(i) and (not exact or self.prior[i - 1] == day)

    def next_date(self, day: date) -> date:
        i = bisect_right(self.dates, day)
        return self.dates[i] if i < len(self.dates) else date.max


def variant_messages(
    v: DerivedEntry,
    series_id: str,
    rows: Mapping[str, Sequence[Observation]],
    changes: Iterable[Change],
    ts_init: int,
) -> list[Message]:
    changes = list(changes)
    first_seen: dict[str, set[date]] = {sid: set() for sid in components(v)}
    for c in changes:
        if not c.revision:
            first_seen[c.observation.series_id].add(c.observation.date)
    parts = {sid: _Component.build(rows.get(sid, ()), first_seen[sid]) for sid in components(v)}
    exact = v.dates is None
    touched = _touched(v, parts, changes)
    out = []
    for row in compute(v, rows):
        if row.date not in touched:
            continue
        used = [p.as_of(row.date, exact) for p in parts.values()]
        present = [o for o in used if o is not None]
        out.append(
            Message(
                series_id=series_id,
                date=row.date.isoformat(),
                value=row.net_liquidity,
                unit=v.unit.label,
                realtime_start=max(o.realtime_start for o in present).isoformat(),
                ts_event=max(to_ns(o.known_at) for o in present),
                ts_init=ts_init,
                source=DERIVED_SOURCE,
                # the calendar's own row must have existed for that very date
                revision=all(
                    p.had_row(row.date, exact or sid == v.dates) for sid, p in parts.items()
                ),
            )
        )
    return out


def _touched(
    v: DerivedEntry, parts: Mapping[str, _Component], changes: Iterable[Change]
) -> set[date]:
    if v.dates is None:
        return {c.observation.date for c in changes}
    calendar = parts[v.dates].dates
    out: set[date] = set()
    for c in changes:
        day = c.observation.date
        end = parts[c.observation.series_id].next_date(day)
        out.update(calendar[bisect_left(calendar, day) : bisect_left(calendar, end)])
    return out
