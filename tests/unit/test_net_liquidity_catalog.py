"""The Net Liquidity variants as catalog formulas print the numbers they printed before.

``reference`` is ``transforms.net_liquidity.compute`` as it was before issue 16 (the
three variants hard-coded), verbatim but for its lookups; the catalog's derived entries
must give the same dates, values and components, bit for bit."""

from __future__ import annotations

import csv
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from liquidity.models import Observation
from liquidity.transforms.net_liquidity import compute, variant

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fred" / "csv"
BEFORE = {  # name: (assets, liabilities, calendar), as hard-coded before
    "weekly": ("WALCL", ("WLRRAL", "WDTGAL"), None),
    "daily": ("WALCL", ("RRPONTSYD", "WTREGEN"), "RRPONTSYD"),
    "primary": ("WALCL", ("RRP_NYFED", "TGA_DTS"), "TGA_DTS"),
}
FACTORS = {"RRPONTSYD": 1000.0, "RRP_NYFED": 1000.0}  # billions; the rest are millions


def _as_of_each(series: Mapping[date, float], days: Sequence[date]) -> list[float | None]:
    keys = sorted(series)
    out: list[float | None] = []
    for day in days:
        i = bisect_right(keys, day)
        out.append(series[keys[i - 1]] if i else None)
    return out


def reference(name: str, rows: Mapping[str, Sequence[Observation]]) -> list[tuple]:  # type: ignore[type-arg]
    assets, liabilities, calendar = BEFORE[name]
    parts = (assets, *liabilities)
    series = {
        sid: {o.date: o.value * FACTORS.get(sid, 1.0) for o in rows.get(sid, ())} for sid in parts
    }
    if calendar is None:
        dates = sorted(set.intersection(*(set(s) for s in series.values())))
        aligned = {sid: [s.get(d) for d in dates] for sid, s in series.items()}
    else:
        dates = sorted(series[calendar])
        aligned = {sid: _as_of_each(s, dates) for sid, s in series.items()}
    out = []
    for i, day in enumerate(dates):
        values = {sid: aligned[sid][i] for sid in parts}
        if any(v is None for v in values.values()):
            continue
        net = values[assets] - sum(values[sid] for sid in liabilities)  # type: ignore[misc]
        out.append((day, net, values))
    return out


def _now(rows: Mapping[str, Sequence[Observation]], name: str) -> list[tuple]:  # type: ignore[type-arg]
    return [(r.date, r.net_liquidity, r.components) for r in compute(variant(name), rows)]


def _fixture(sid: str) -> list[Observation]:
    with (FIXTURES / f"{sid}.csv").open() as handle:
        rows = list(csv.reader(handle))[1:]
    known = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        Observation(sid, date.fromisoformat(d), float(v), date.fromisoformat(d), known, "fred")
        for d, v in rows
        if v not in ("", ".")
    ]


def test_weekly_and_daily_on_the_recorded_fred_files() -> None:
    rows = {sid: _fixture(sid) for sid in ("WALCL", "WLRRAL", "WDTGAL", "WTREGEN", "RRPONTSYD")}
    for name in ("weekly", "daily"):
        expected = reference(name, rows)
        assert len(expected) > 900
        assert _now(rows, name) == expected


values = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def components(draw: st.DrawFn) -> dict[str, list[Observation]]:
    out = {}
    known = datetime(2026, 1, 1, tzinfo=UTC)
    for sid in ("WALCL", "WLRRAL", "WDTGAL", "WTREGEN", "RRPONTSYD", "RRP_NYFED", "TGA_DTS"):
        days = sorted(draw(st.sets(st.integers(0, 60), max_size=25)))
        out[sid] = [
            Observation(
                sid,
                date(2024, 1, 3) + timedelta(days=k),
                draw(values),
                date(2024, 1, 3),
                known,
                "x",
            )
            for k in days
        ]
    return out


@settings(max_examples=150, deadline=None)
@given(components())
def test_every_variant_gives_the_numbers_it_gave_before(rows: dict[str, list[Observation]]) -> None:
    for name in BEFORE:
        assert _now(rows, name) == reference(name, rows)
