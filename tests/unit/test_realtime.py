"""The one-pass real-time view against a brute-force one (one as-of query per day)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from liquidity.catalog import default_catalog
from liquidity.catalog.compute import as_known, end_of_day, evaluate, realtime
from liquidity.models import VINTAGE_SOURCE, Observation

DAY0 = date(2024, 1, 1)


def _brute(vintages: Sequence[Observation], day: date) -> float | None:
    """The store's as-of rule, spelled out: per date the row known last before the end of
    ``day`` (ties: an exact vintage, then the later realtime_start), then the latest date."""
    cutoff = end_of_day(day)
    best: dict[date, Observation] = {}
    for o in vintages:
        if o.known_at >= cutoff or o.date > day:
            continue
        key = (o.known_at, o.source == VINTAGE_SOURCE, o.realtime_start)
        held = best.get(o.date)
        if held is None or key >= (
            held.known_at,
            held.source == VINTAGE_SOURCE,
            held.realtime_start,
        ):
            best[o.date] = o
    return best[max(best)].value if best else None


@st.composite
def vintages(draw: st.DrawFn, series_id: str = "X") -> list[Observation]:
    out = []
    for _ in range(draw(st.integers(0, 30))):
        day = DAY0 + timedelta(days=draw(st.integers(0, 40)))
        delay = timedelta(hours=draw(st.integers(-30, 24 * 20)))
        known = datetime(day.year, day.month, day.day, 12, tzinfo=UTC) + delay
        out.append(
            Observation(
                series_id,
                day,
                float(draw(st.integers(-5, 5))),
                known.date() - timedelta(days=draw(st.integers(0, 1))),
                known,
                draw(st.sampled_from(["fred", VINTAGE_SOURCE])),
            )
        )
    return out


@settings(max_examples=300, deadline=None)
@given(vintages(), st.lists(st.integers(-2, 50), max_size=40, unique=True))
def test_one_pass_matches_one_query_per_day(rows: list[Observation], offsets: list[int]) -> None:
    days = sorted(DAY0 + timedelta(days=k) for k in offsets)
    assert as_known(rows, days) == [_brute(rows, d) for d in days]


def _obs(sid: str, day: date, value: float, known: datetime) -> Observation:
    return Observation(sid, day, value, known.date(), known, "fred")


def _ny(day: date, hour: int, minute: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    local = datetime(
        day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("America/New_York")
    )
    return local.astimezone(UTC)


def test_daily_net_liquidity_on_a_wednesday_uses_the_previous_weeks_walcl() -> None:
    wed0, wed1 = date(2024, 3, 6), date(2024, 3, 13)
    rows = {
        "WALCL": [
            _obs("WALCL", wed0, 7000.0, _ny(wed0 + timedelta(1), 16, 30)),
            _obs("WALCL", wed1, 7100.0, _ny(wed1 + timedelta(1), 16, 30)),
        ],
        "WTREGEN": [
            _obs("WTREGEN", wed0, 700.0, _ny(wed0 + timedelta(1), 16, 30)),
            _obs("WTREGEN", wed1, 710.0, _ny(wed1 + timedelta(1), 16, 30)),
        ],
        "RRPONTSYD": [
            _obs("RRPONTSYD", wed1 + timedelta(k), 1.0 + k, _ny(wed1 + timedelta(k), 13, 15))
            for k in range(3)
        ],
    }
    catalog = default_catalog()
    got = dict(realtime(catalog, "NETLIQ_DAILY", rows))
    assert got[wed1] == 7000.0 - 1000.0 - 700.0  # Wednesday: last week's H.4.1
    assert got[wed1 + timedelta(1)] == 7100.0 - 2000.0 - 710.0  # Thursday 16:30: this week's
    # the latest view uses this week's WALCL on Wednesday already
    latest = evaluate(catalog, catalog.derived["NETLIQ_DAILY"], lambda sid: rows[sid])
    assert latest[0].date == wed1 and latest[0].value == 7100.0 - 1000.0 - 710.0
    assert latest[0].components == {"WALCL": 7100.0, "RRPONTSYD": 1000.0, "WTREGEN": 710.0}


def test_a_revision_shows_from_the_day_it_was_public() -> None:
    day = date(2024, 5, 1)
    rows = {
        "X": [
            _obs("X", day, 1.0, _ny(day, 9)),
            _obs("X", day, 2.0, _ny(day, 23, 59)),
            _obs("X", day, 3.0, _ny(day + timedelta(2), 0, 0)),
        ]
    }
    assert as_known(rows["X"], [day, day + timedelta(1), day + timedelta(2)]) == [2.0, 2.0, 3.0]


def test_spread_in_basis_points() -> None:
    day = date(2024, 6, 3)
    rows = {
        "SOFR": [_obs("SOFR", day, 5.35, _ny(day + timedelta(1), 8))],
        "IORB": [_obs("IORB", day, 5.40, _ny(day, 8))],
    }
    catalog = default_catalog()
    [row] = evaluate(catalog, catalog.derived["SOFR_IORB"], lambda sid: rows[sid])
    assert round(row.value, 9) == -5.0
    assert realtime(catalog, "SOFR_IORB", rows) == []  # SOFR of the 3rd is public on the 4th
