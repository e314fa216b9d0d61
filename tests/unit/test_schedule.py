"""The release-aware schedule with fixed clocks: DST changes, holidays, lateness."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from liquidity.catalog.active import get
from liquidity.models import SeriesState
from liquidity.registry.releases import CBOE_CLOSE, H15, H41
from liquidity.serve.freshness import expected_latest, freshness
from liquidity.serve.schedule import ReleaseTrigger, groups, next_runs, retry_delay

NY = ZoneInfo("America/New_York")


def local(runs: list[datetime]) -> list[tuple[date, int, int]]:
    return [(r.astimezone(NY).date(), r.astimezone(NY).hour, r.astimezone(NY).minute) for r in runs]


def test_h41_runs_thursday_1635_new_york_across_dst() -> None:
    # DST ends Sunday 1 November 2026: 16:35 New York is 20:35Z before, 21:35Z after.
    runs = next_runs(ReleaseTrigger(H41), datetime(2026, 10, 20, tzinfo=UTC), 3)
    assert local(runs) == [
        (date(2026, 10, 22), 16, 35),
        (date(2026, 10, 29), 16, 35),
        (date(2026, 11, 5), 16, 35),
    ]
    assert runs[1] == datetime(2026, 10, 29, 20, 35, tzinfo=UTC)
    assert runs[2] == datetime(2026, 11, 5, 21, 35, tzinfo=UTC)


def test_spring_forward() -> None:
    # DST starts Sunday 8 March 2026.
    runs = next_runs(ReleaseTrigger(H15), datetime(2026, 3, 5, 22, 0, tzinfo=UTC), 2)
    assert runs == [
        datetime(2026, 3, 6, 21, 20, tzinfo=UTC),
        datetime(2026, 3, 9, 20, 20, tzinfo=UTC),
    ]


def test_holidays_move_runs_to_the_next_business_day() -> None:
    # Thanksgiving (Thursday 26 November 2026): the H.4.1 run moves to Friday.
    runs = next_runs(ReleaseTrigger(H41), datetime(2026, 11, 20, tzinfo=UTC), 2)
    assert local(runs) == [(date(2026, 11, 27), 16, 35), (date(2026, 12, 3), 16, 35)]
    # Daily H.15: Wednesday, then Friday (Thursday is a holiday), never twice on Friday.
    runs = next_runs(ReleaseTrigger(H15), datetime(2026, 11, 25, 12, 0, tzinfo=UTC), 3)
    assert local(runs) == [
        (date(2026, 11, 25), 16, 20),
        (date(2026, 11, 27), 16, 20),
        (date(2026, 11, 30), 16, 20),
    ]
    # Good Friday: NYSE closed, so no market close run; the Fed works.
    runs = next_runs(ReleaseTrigger(CBOE_CLOSE), datetime(2026, 4, 2, 22, 0, tzinfo=UTC), 1)
    assert local(runs) == [(date(2026, 4, 6), 16, 20)]


def test_expected_latest_follows_the_release() -> None:
    walcl = get("WALCL")
    before = datetime(2026, 11, 19, 16, 29, tzinfo=NY)
    after = datetime(2026, 11, 19, 16, 31, tzinfo=NY)
    assert expected_latest(walcl, before) == date(2026, 11, 11)
    assert expected_latest(walcl, after) == date(2026, 11, 18)
    thanksgiving_thursday = datetime(2026, 11, 26, 18, 0, tzinfo=NY)
    assert expected_latest(walcl, thanksgiving_thursday) == date(2026, 11, 18)
    # DGS10 for Wednesday 25 Nov comes on Friday 27 (the next business day).
    assert expected_latest(get("DGS10"), datetime(2026, 11, 26, 20, 0, tzinfo=NY)) == date(
        2026, 11, 24
    )


def test_overdue_only_after_the_grace() -> None:
    walcl = get("WALCL")
    now = datetime(2026, 11, 20, 12, 0, tzinfo=NY)
    state = SeriesState(
        "WALCL", date(2026, 11, 11), None, None, 10, datetime(2026, 11, 20, 10, 0, tzinfo=UTC), None
    )
    late = freshness(walcl, state, now, grace=timedelta(hours=6))
    assert late.expected_date == date(2026, 11, 18) and late.overdue
    assert late.fetch_age == 7 * 3600
    fine = freshness(walcl, state, now, grace=timedelta(days=1))
    assert not fine.overdue
    current = SeriesState("WALCL", date(2026, 11, 18), None, None, 10, None, None)
    assert not freshness(walcl, current, now, grace=timedelta(0)).overdue


def test_retry_delays_widen_to_a_cap() -> None:
    waits = [retry_delay(i, timedelta(minutes=5), timedelta(hours=1)) for i in range(6)]
    assert waits == [timedelta(minutes=m) for m in (5, 10, 20, 40, 60, 60)]


def test_series_are_grouped_by_source_and_release() -> None:
    grouped = groups([get(s) for s in ("WALCL", "WDTGAL", "DGS10", "DGS2", "MOVE")])
    sizes = sorted(len(v) for v in grouped.values())
    assert sizes == [1, 2, 2]
