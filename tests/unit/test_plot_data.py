"""The pure decisions behind a chart: gaps, axes, one money unit, shaded periods,
coverage and weekly changes (no store, no rendering)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liquidity.errors import ConfigError
from liquidity.plots import Chart, Line, Panel, net_liquidity_chart, series_chart
from liquidity.plots.gaps import allowed_gap, broken, gaps, isolated
from liquidity.plots.prepare import coverage_notes, squashed, weekly_change
from liquidity.plots.scale import choose_money, shown
from liquidity.plots.shading import QT, RECESSIONS, from_values, within
from liquidity.transforms.net_liquidity import NetLiquidityRow
from liquidity.window import Window

D0 = date(2012, 1, 2)
WEEK = timedelta(days=7)


def days(*offsets: int) -> tuple[date, ...]:
    return tuple(D0 + timedelta(days=o) for o in offsets)


def test_a_gap_longer_than_the_frequency_allows_breaks_the_line() -> None:
    dates = days(0, 1, 2, 3, 4, 130, 131, 132, 400)
    line = Line("RRPONTSYD", dates, tuple(range(9)), max_gap=allowed_gap("daily", dates))
    xs, ys = broken(line)
    assert ys == [0, 1, 2, 3, 4, None, 5, 6, 7, None, 8]
    assert dates[4] < xs[5] < dates[5]  # the break lies inside the gap
    assert gaps(line) == [(dates[4], dates[5]), (dates[7], dates[8])]
    assert isolated(line) == [8]  # alone after its gap: drawn as a dot


def test_weekends_and_holidays_are_not_gaps() -> None:
    # Friday to Tuesday after a Monday holiday; 9/11: markets closed Sep 11-14, 2001
    dates = (date(2024, 5, 24), date(2024, 5, 28), date(2001, 9, 10), date(2001, 9, 17))
    for a, b in (dates[:2], dates[2:]):
        line = Line("x", (a, b), (1.0, 2.0), max_gap=allowed_gap("daily", (a, b)))
        assert broken(line)[1] == [1.0, 2.0]


def test_weekly_bars_of_a_series_catalogued_daily_are_joined() -> None:
    dates = tuple(D0 + WEEK * i for i in range(20))
    assert allowed_gap("daily", dates) >= WEEK
    line = Line("VIX", dates, tuple(range(20)), max_gap=allowed_gap("daily", dates))
    assert None not in broken(line)[1]
    assert allowed_gap("weekly", dates) < 2 * WEEK  # a missed Wednesday is a gap


@given(st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=40))
def test_breaking_keeps_every_point_in_order(steps: list[int]) -> None:
    dates = [D0]
    for s in steps:
        dates.append(dates[-1] + timedelta(days=s))
    line = Line("x", tuple(dates), tuple(float(i) for i in range(len(dates))), max_gap=WEEK)
    xs, ys = broken(line)
    assert [y for y in ys if y is not None] == list(line.values)
    assert xs == sorted(xs)
    assert ys.count(None) == sum(s > 7 for s in steps) == len(gaps(line))


def test_squashed_when_a_line_would_use_little_of_a_shared_axis() -> None:
    walcl = Line("WALCL", days(0, 7), (8.9, 6.6))
    rrp = Line("RRPONTSYD", days(0, 7), (0.2, 0.0))
    dgs10 = Line("DGS10", days(0, 7), (4.1, 4.6))
    dgs2 = Line("DGS2", days(0, 7), (3.9, 4.8))
    assert squashed([walcl, rrp])
    assert not squashed([dgs10, dgs2])
    assert not squashed([walcl])
    tenfold = (Line("a", days(0, 7), (100.0, 200.0)), Line("b", days(0, 7), (5.0, 20.0)))
    assert squashed(tenfold)


def test_one_money_unit_chosen_for_readability_or_forced() -> None:
    assert choose_money([8.9e12, 2e11]) == "trillions"
    assert choose_money([5e11, 2e9]) == "billions"
    assert choose_money([3e8]) == "millions"
    assert choose_money([8.9e12], "billions") == "billions"
    with pytest.raises(ConfigError, match="unknown money unit 'yen'"):
        choose_money([1.0], "yen")
    # four significant digits, never an exponent: 1.559 bn in trillions keeps its digits
    assert [shown(v) for v in (8.934346, 2553.4, 0.001559, 4.11, 12345.6, 0.0, -0.07)] == [
        "8.934",
        "2,553",
        "0.001559",
        "4.11",
        "12,346",
        "0",
        "-0.07",
    ]


def _rows(n: int) -> list[NetLiquidityRow]:
    out = []
    for i in range(n):
        walcl, rrp, tga = 8.9e6 - i * 1e4, 2e5 + i * 10, 7e5
        parts = {"WALCL": walcl, "RRPONTSYD": rrp, "WTREGEN": tga}
        out.append(NetLiquidityRow(D0 + timedelta(days=i), walcl - rrp - tga, parts))
    return out


def test_net_liquidity_components_get_own_axes_when_squashed_or_as_asked() -> None:
    rows = _rows(30)
    auto = net_liquidity_chart(rows, "daily", frequency="daily")
    assert [p.ylabel for p in auto.panels] == ["Net Liquidity (USD trillions)"] + [
        "USD trillions"
    ] * 3
    assert [[ln.label for ln in p.lines] for p in auto.panels[1:]] == [
        ["WALCL"],
        ["RRPONTSYD"],
        ["WTREGEN"],
    ]
    assert "own axes" in auto.notes[0]
    shared = net_liquidity_chart(rows, "daily", layout="shared", frequency="daily")
    assert [p.ylabel for p in shared.panels] == [
        "Net Liquidity (USD trillions)",
        "Components (USD trillions)",
    ]
    billions = net_liquidity_chart(rows, "daily", money="billions", layout="shared")
    assert billions.panels[0].lines[0].values[0] == pytest.approx(8000.0)
    head = auto.panels[0].lines[0]
    assert head.unit == "USD trillions"
    assert dict(head.parts)["RRPONTSYD"][0] == pytest.approx(0.2)  # hover: components


def test_weekly_changes_are_each_value_less_the_one_a_week_before() -> None:
    dates = tuple(D0 + timedelta(days=i) for i in range(15))
    line = Line("WALCL", dates, tuple(float(i * i) for i in range(15)), max_gap=WEEK)
    changed = weekly_change(line)
    assert changed.dates == dates[7:]
    assert changed.values == tuple(float(i * i - (i - 7) ** 2) for i in range(7, 15))
    chart = net_liquidity_chart(_rows(30), "daily", layout="changes", frequency="daily")
    assert chart.panels[1].ylabel == "Weekly change (USD trillions)"
    walcl = chart.panels[1].lines[0]
    assert walcl.values[0] == pytest.approx(-0.07)  # 7 days of -10,000 USD millions


def test_series_share_one_money_unit_and_split_when_squashed() -> None:
    data = {
        "WALCL": [(D0, 8_900_000.0), (D0 + WEEK, 6_600_000.0)],  # USD millions
        "RRPONTSYD": [(D0, 200.0), (D0 + WEEK, 0.5)],  # USD billions
        "DGS10": [(D0, 4.1), (D0 + WEEK, 4.6)],
        "DGS2": [(D0, 3.9), (D0 + WEEK, 4.8)],
    }
    units = {
        "WALCL": ("USD millions", 1e6),
        "RRPONTSYD": ("USD billions", 1e9),
        "DGS10": ("percent", 0.0),
        "DGS2": ("percent", 0.0),
    }
    chart = series_chart(data, units)
    assert [(p.ylabel, [ln.label for ln in p.lines]) for p in chart.panels] == [
        ("USD trillions", ["WALCL"]),
        ("USD trillions", ["RRPONTSYD"]),
        ("percent", ["DGS10", "DGS2"]),
    ]
    assert chart.panels[1].lines[0].values == pytest.approx((0.2, 0.0005))
    forced = series_chart(data, units, money="billions", layout="shared")
    assert forced.panels[0].ylabel == "USD billions"
    assert forced.panels[0].lines[0].values == pytest.approx((8900.0, 6600.0))


def test_coverage_notes_name_a_line_shorter_than_the_chart() -> None:
    long = Line("WALCL", tuple(D0 + WEEK * i for i in range(200)), (1.0,) * 200, max_gap=WEEK)
    short = Line("VIX", long.dates[:100], (2.0,) * 100, max_gap=WEEK)
    chart = Chart("t", (Panel("a", (long,)), Panel("b", (short,))))
    notes = coverage_notes(chart, Window())
    assert notes == [f"VIX covers only {short.first} to {short.last}."]
    late = Window(start=long.dates[150])  # the window starts after VIX ends: said too
    assert coverage_notes(chart, late) == notes
    assert coverage_notes(Chart("t", (Panel("a", (long,)),)), Window()) == []


def test_shaded_periods_from_a_0_1_series_and_cut_to_the_chart() -> None:
    points = [(D0 + timedelta(days=i), float(v)) for i, v in enumerate([0, 1, 1, 0, 0, 1, 1, 1])]
    periods = from_values(points, "USREC")
    assert [(p.start, p.end) for p in periods] == [
        (points[1][0], points[2][0]),
        (points[5][0], points[7][0]),
    ]
    covid = [p for p in RECESSIONS if p.start.year == 2020]
    assert [(p.start, p.end) for p in covid] == [(date(2020, 2, 1), date(2020, 4, 30))]
    cut = within(QT, date(2019, 1, 1), date(2023, 1, 1))
    assert [(p.start, p.end) for p in cut] == [
        (date(2019, 1, 1), date(2019, 7, 31)),
        (date(2022, 6, 1), date(2023, 1, 1)),
    ]
