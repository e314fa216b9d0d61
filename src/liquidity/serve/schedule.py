"""When to collect: pure functions of the registry (whether a series is late is
``serve.freshness``, kept apart so that ``liquidity status`` needs no APScheduler).

Firing times come from APScheduler's ``CronTrigger`` in each release's own time
zone (so daylight saving time is the library's business), wrapped to move a
run that falls on a holiday of the release's calendar to the next business
day. After a run that did not bring the expected observation, retries follow at
widening intervals (``retry_delay``) until it appears.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from liquidity.registry.releases import Release, next_business_day

if TYPE_CHECKING:
    from liquidity.registry import SeriesSpec

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
COLLECT_DELAY = timedelta(minutes=5)  # after the release time, to let the source update


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


def groups(specs: Iterable[SeriesSpec]) -> dict[tuple[str, Release], list[SeriesSpec]]:
    """Series collected together: one job per (source, release)."""
    out: dict[tuple[str, Release], list[SeriesSpec]] = {}
    for spec in specs:
        out.setdefault((spec.source, spec.release), []).append(spec)
    return out
