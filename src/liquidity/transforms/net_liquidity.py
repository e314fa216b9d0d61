"""Net Liquidity variants (README, "Commands"), pure functions over series rows.

- ``weekly``: WALCL - WLRRAL - WDTGAL on the Wednesdays where all three exist.
- ``daily``: for each RRPONTSYD date, WALCL - RRPONTSYD - WTREGEN, each the
  latest observation dated on or before that day.
- ``primary``: for each Daily Treasury Statement date, WALCL - the NY Fed's ON
  RRP accepted - the DTS TGA closing balance, from the primary sources.
All components are converted to USD millions through the registry.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from liquidity.errors import ConfigError
from liquidity.models import Observation
from liquidity.registry import get


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    assets: str  # added
    liabilities: tuple[str, ...]  # subtracted
    calendar: str | None  # series whose dates drive a daily index; None: dates common to all


VARIANTS = {
    "weekly": Variant("weekly", "WALCL", ("WLRRAL", "WDTGAL"), None),
    "daily": Variant("daily", "WALCL", ("RRPONTSYD", "WTREGEN"), "RRPONTSYD"),
    "primary": Variant("primary", "WALCL", ("RRP_NYFED", "TGA_DTS"), "TGA_DTS"),
}


@dataclass(frozen=True, slots=True)
class NetLiquidityRow:
    date: date
    net_liquidity: float  # USD millions
    components: dict[str, float]  # series id -> USD millions


def variant(name: str) -> Variant:
    try:
        return VARIANTS[name]
    except KeyError:
        raise ConfigError(f"unknown variant {name!r}; known: {', '.join(VARIANTS)}") from None


def components(v: Variant) -> tuple[str, ...]:
    return (v.assets, *v.liabilities)


def in_usd_millions(series_id: str, rows: Sequence[Observation]) -> dict[date, float]:
    factor = get(series_id).usd_millions_factor
    if factor is None:
        raise ConfigError(f"{series_id} is not a money series")
    return {o.date: o.value * factor for o in rows}


def compute(v: Variant, rows: Mapping[str, Sequence[Observation]]) -> list[NetLiquidityRow]:
    """Net Liquidity from each component's rows (one per date, ascending)."""
    series = {sid: in_usd_millions(sid, rows.get(sid, ())) for sid in components(v)}
    if v.calendar is None:  # exact dates common to all components
        dates = sorted(set.intersection(*(set(s) for s in series.values())))
        aligned = {sid: [s.get(d) for d in dates] for sid, s in series.items()}
    else:  # each component as of each calendar date
        dates = sorted(series[v.calendar])
        aligned = {sid: _as_of_each(s, dates) for sid, s in series.items()}
    out = []
    for i, day in enumerate(dates):
        parts = {sid: aligned[sid][i] for sid in components(v)}
        values = {sid: x for sid, x in parts.items() if x is not None}
        if len(values) < len(parts):
            continue  # a component has no value yet on this date
        net = values[v.assets] - sum(values[sid] for sid in v.liabilities)
        out.append(NetLiquidityRow(day, net, values))
    return out


def _as_of_each(series: Mapping[date, float], days: Sequence[date]) -> list[float | None]:
    """For each day, the value of the latest observation dated on or before it."""
    keys = sorted(series)
    out: list[float | None] = []
    for day in days:
        i = bisect_right(keys, day)
        out.append(series[keys[i - 1]] if i else None)
    return out
