"""When to collect, and whether a series is late: pure functions of the registry.

Firing times come from APScheduler's ``CronTrigger`` in each release's own time
zone (so daylight saving time is the library's business), wrapped to move a
run that falls on a holiday of the release's calendar to the next business
day. After a run that did not bring the expected observation, retries follow at
widening intervals (``retry_delay``) until it appears.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from liquidity.registry.releases import Release, next_business_day

if TYPE_CHECKING:
    from liquidity.models import SeriesState
    from liquidity.registry import SeriesSpec

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
COLLECT_DELAY = timedelta(minutes=5)  # after the release time, to let the source update
LOOKBACK_DAYS = 21


class ReleaseTrigger(BaseTrigger):  # type: ignore[misc]
    """Fires ``COLLECT_DELAY`` after each release of ``release``; a firing on a
    holiday of its calendar moves to the next business day, same local time."""

    def __init__(self, release: Release, delay: timedelta = COLLECT_DELAY) -> None:
        at = (datetime.combine(date(2000, 1, 3), release.at) + delay).time()
        if release.observed_weekday is not None:
            release_day = date(2000, 1, 3 + release.observed_weekday) + timedelta(release.lag)
            days = WEEKDAYS[release_day.weekday()]
        else:
            days = "mon-fri"
        self.release = release
        self.zone = ZoneInfo(release.zone)
        self.cron = CronTrigger(
            day_of_week=days, hour=at.hour, minute=at.minute, second=at.second, timezone=self.zone
        )

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        fire: datetime | None = self.cron.get_next_fire_time(previous_fire_time, now)
        if fire is None:
            return None
        local = fire.astimezone(self.zone)
        day = next_business_day(local.date(), self.release.calendar)
        if day == local.date():
            return fire
        moved = datetime.combine(day, local.timetz().replace(tzinfo=None), self.zone)
        # A moved run must not come before one we already had.
        if previous_fire_time is not None and moved <= previous_fire_time:
            return self.get_next_fire_time(fire, fire)
        return moved

    def __str__(self) -> str:
        return f"release[{self.release.name}]"


def next_runs(trigger: BaseTrigger, now: datetime, count: int) -> list[datetime]:
    """The next ``count`` firing instants after ``now`` (used by the tests)."""
    out: list[datetime] = []
    previous = None
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now if previous is None else previous)
        if fire is None:
            break
        if previous is not None and fire <= previous:
            fire = trigger.get_next_fire_time(previous, previous + timedelta(seconds=1))
        out.append(fire)
        previous = fire
    return out


def retry_delay(attempt: int, first: timedelta, cap: timedelta) -> timedelta:
    """Widening waits between retries while a release is late: first, 2x, 4x ... cap."""
    wait: timedelta = first * (2 ** max(attempt, 0))
    return min(wait, cap)


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


def groups(specs: Iterable[SeriesSpec]) -> dict[tuple[str, Release], list[SeriesSpec]]:
    """Series collected together: one job per (source, release)."""
    out: dict[tuple[str, Release], list[SeriesSpec]] = {}
    for spec in specs:
        out.setdefault((spec.source, spec.release), []).append(spec)
    return out
