"""Which Net Liquidity rows a batch of component changes republishes (pure, no Redis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from liquidity.models import Change, Observation
from liquidity.publish.derived import variant_messages
from liquidity.publish.message import to_ns
from liquidity.transforms.net_liquidity import variant

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def o(sid: str, day: date, value: float, known: datetime = T0) -> Observation:
    return Observation(sid, day, value, day, known, "fred")


def test_daily_rows_touched_by_a_new_weekly_value_are_revisions() -> None:
    w1, w2 = date(2024, 1, 3), date(2024, 1, 10)
    days = [w1 + timedelta(days=i) for i in range(10)]  # 3 .. 12 January
    late = T0 + timedelta(days=9)
    rows = {
        "WALCL": [o("WALCL", w1, 7_000_000.0), o("WALCL", w2, 7_100_000.0, late)],
        "WTREGEN": [o("WTREGEN", w1, 700_000.0)],
        "RRPONTSYD": [o("RRPONTSYD", d, 500.0) for d in days],  # USD billions
    }
    new_week = Change(rows["WALCL"][1], late, revision=False)
    out = variant_messages(variant("daily"), "NETLIQ_DAILY", rows, [new_week], 1)
    assert [m.date for m in out] == [d.isoformat() for d in days if d >= w2]
    assert all(m.revision for m in out)  # those days had a value (with the older week)
    assert all(m.value == 7_100_000.0 - 500_000.0 - 700_000.0 for m in out)
    assert all(m.ts_event == to_ns(late) for m in out)


def test_a_new_daily_date_is_not_a_revision_and_weekly_needs_exact_dates() -> None:
    w1 = date(2024, 1, 3)
    new_day = date(2024, 1, 5)
    rows = {
        "WALCL": [o("WALCL", w1, 7_000_000.0)],
        "WTREGEN": [o("WTREGEN", w1, 700_000.0)],
        "RRPONTSYD": [o("RRPONTSYD", w1, 400.0), o("RRPONTSYD", new_day, 450.0)],
    }
    change = Change(rows["RRPONTSYD"][1], T0, revision=False)
    (m,) = variant_messages(variant("daily"), "NETLIQ_DAILY", rows, [change], 1)
    assert (m.date, m.revision, m.value) == ("2024-01-05", False, 5_850_000.0)

    weekly_rows = {
        "WALCL": [o("WALCL", w1, 7_000_000.0)],
        "WLRRAL": [o("WLRRAL", w1, 600_000.0)],
        "WDTGAL": [],  # not out yet: no weekly value to publish
    }
    first = Change(weekly_rows["WALCL"][0], T0, revision=False)
    assert variant_messages(variant("weekly"), "NETLIQ_WEEKLY", weekly_rows, [first], 1) == []
