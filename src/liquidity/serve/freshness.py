"""Whether a series is late: the newest date that should be public, and what we have.

Pure functions of the registry and a clock, without APScheduler (``schedule`` fires the
jobs), so that ``liquidity status`` and the metrics read it cheaply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from liquidity.models import SeriesState
    from liquidity.registry import SeriesSpec

LOOKBACK_DAYS = 21


def expected_latest(spec: SeriesSpec, now: datetime) -> date | None:
    """The newest observation date that should be public at ``now``."""
    day = now.astimezone(ZoneInfo(spec.release.zone)).date()
    for _ in range(LOOKBACK_DAYS):
        if spec.release.observes(day) and spec.release.first_release(day) <= now:
            return day
        day -= timedelta(days=1)
    return None


@dataclass(frozen=True, slots=True)
class Freshness:
    series_id: str
    last_date: date | None
    expected_date: date | None
    due_at: datetime | None  # when the expected observation was released
    overdue: bool  # the expected observation is missing past its grace
    observation_age: float | None  # seconds since the newest observation's date
    fetch_age: float | None  # seconds since the last successful fetch
    last_error: str | None


def freshness(
    spec: SeriesSpec, state: SeriesState | None, now: datetime, grace: timedelta
) -> Freshness:
    expected = expected_latest(spec, now)
    last = state.last_date if state is not None else None
    due = spec.release.first_release(expected) if expected else None
    late = expected is not None and (last is None or last < expected)
    overdue = late and due is not None and now - due > grace
    success = state.last_success_at if state is not None else None
    midnight = datetime(last.year, last.month, last.day, tzinfo=UTC) if last else None
    return Freshness(
        series_id=spec.id,
        last_date=last,
        expected_date=expected,
        due_at=due,
        overdue=overdue,
        observation_age=(now - midnight).total_seconds() if midnight else None,
        fetch_age=(now - success).total_seconds() if success else None,
        last_error=state.last_error if state is not None else None,
    )
