"""Release windows and the daily budget: pure functions of instants, tested without waiting."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from liquidity.registry.releases import H41, NYFED_RRP
from liquidity.serve.budget import FETCH, POLL, Ledger
from liquidity.serve.cadence import Cadence, due, fit_floor, interval, polls, shared_floor

C = Cadence(lead=120, floor=5, ramp_before=60, ramp_after=600, cap=300, close=3 * 3600)
AT = datetime(2026, 8, 6, 20, 30, tzinfo=UTC)  # H.4.1 of 2026-08-05, 16:30 New York


def test_interval_is_tightest_at_the_expected_instant() -> None:
    assert interval(C, AT, AT) == 5
    assert interval(C, AT, AT - timedelta(seconds=60)) == 10
    assert interval(C, AT, AT + timedelta(seconds=600)) == 10
    assert interval(C, AT, AT + timedelta(hours=10)) == 300  # capped


def test_interval_never_goes_below_the_budget_floor() -> None:
    assert interval(C, AT, AT, floor=12) == 12
    assert interval(C, AT, AT, floor=1) == 5


def test_polls_cover_the_window_and_stop_at_its_close() -> None:
    window = polls(C, AT)
    assert window[0] == AT - timedelta(seconds=120)
    assert window[-1] < AT + timedelta(hours=3)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(window)]
    near = [g for a, g in zip(window, gaps, strict=False) if -60 <= (a - AT).total_seconds() < 600]
    assert max(near) <= 10  # a value from a minute early to ten late waits <= 10 s
    assert len(window) < 450  # a release that never comes costs a bounded number of polls


def test_windows_open_together_share_the_rate() -> None:
    assert shared_floor(C, 2.0, 0.25, 1) == 5  # 0.5 polls/s alone: the configured floor
    assert shared_floor(C, 2.0, 0.25, 4) == 8  # four windows: 0.125 polls/s each
    assert shared_floor(C, 2.0, 0.0, 1) == float("inf")


def test_the_floor_widens_until_a_day_of_windows_fits_the_budget() -> None:
    one = len(polls(C, AT))
    assert fit_floor(C, 5, 5, 5 * one) == 5
    wider = fit_floor(C, 5, 5, one)
    assert wider > 5
    assert 5 * len(polls(C, AT, wider)) <= one


def test_due_finds_the_open_window_then_the_next_one() -> None:
    before = due(H41, AT - timedelta(minutes=2), C)
    assert (before.observed, before.at) == (date(2026, 8, 5), AT)
    assert due(H41, AT + timedelta(hours=2), C).at == AT  # still open
    after = due(H41, AT + timedelta(hours=3, seconds=1), C)
    assert after.observed == date(2026, 8, 12)
    rrp = due(NYFED_RRP, datetime(2026, 8, 8, 12, tzinfo=UTC), C)  # a Saturday
    assert rrp.observed == date(2026, 8, 10)  # Monday, 13:15 New York
    assert rrp.opens(C) == rrp.at - timedelta(seconds=120)


def test_ledger_counts_by_kind_and_day_and_refuses_past_the_ceiling() -> None:
    ledger = Ledger({"fred": 10})
    ledger.add("fred", POLL, 6, AT)
    ledger.add("fred", FETCH, 3, AT)
    assert ledger.snapshot(AT)["fred"] == {"poll": 6, "fetch": 3, "ceiling": 10}
    assert ledger.allows("fred", 1, AT) and not ledger.allows("fred", 2, AT)
    assert ledger.allows("yahoo", 10**9, AT)  # no ceiling named
    tomorrow = AT + timedelta(days=1)
    assert ledger.used("fred", tomorrow) == 0
    with pytest.raises(ValueError):
        ledger.add("fred", "other", 1, AT)


def test_the_window_trigger_fires_lead_before_the_release() -> None:
    from liquidity.serve.schedule import ReleaseTrigger, next_runs

    runs = next_runs(ReleaseTrigger(H41, -timedelta(seconds=120)), AT - timedelta(days=1), 2)
    assert runs == [AT - timedelta(seconds=120), AT + timedelta(days=7, seconds=-120)]
