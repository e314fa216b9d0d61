"""Release windows: when to poll a source's cheap signal around an expected release (pure).

A window opens ``lead`` before the instant a release is expected and closes ``close``
after it (then the release is overdue: one alert, no more polling until the next
window). Inside it the interval between two polls of one window is

    floor * (1 + |now - expected| / ramp)        (ramp_before before, ramp_after after)

capped at ``cap``: tightest at the expected instant, widening on both sides, so a value
that comes on time is seen within about one ``floor`` and a late one costs few requests.

``floor`` comes from the request budget: the share of a source's requests per second
that polling may use, split between the windows of that source open at the same time
(``shared_floor``), and raised until a day of windows fits the source's daily polling
budget (``fit_floor``). Every function here is a function of the instants it is given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from liquidity.registry.releases import Release

SCAN_DAYS = 40  # weekly releases: far enough back to find the last one, and forward


@dataclass(frozen=True, slots=True)
class Cadence:
    lead: float = 120.0  # seconds before the expected instant the window opens
    floor: float = 5.0  # the least seconds between two polls of one window
    ramp_before: float = 60.0  # seconds before the expected instant per extra floor
    ramp_after: float = 600.0  # seconds after it per extra floor
    cap: float = 300.0  # the most seconds between two polls
    close: float = 3 * 3600.0  # seconds after the expected instant the window closes


def interval(c: Cadence, expected: datetime, now: datetime, floor: float | None = None) -> float:
    """Seconds to wait after a poll at ``now`` before the next one."""
    base = c.floor if floor is None else max(floor, c.floor)
    offset = (now - expected).total_seconds()
    ramp = c.ramp_before if offset < 0 else c.ramp_after
    return min(max(base, c.cap), base * (1.0 + abs(offset) / ramp))


def polls(c: Cadence, expected: datetime, floor: float | None = None) -> list[datetime]:
    """Every poll instant of a window in which nothing arrives (open to close)."""
    at, end = expected - timedelta(seconds=c.lead), expected + timedelta(seconds=c.close)
    out = []
    while at < end:
        out.append(at)
        at += timedelta(seconds=interval(c, expected, at, floor))
    return out


def shared_floor(c: Cadence, requests_per_second: float, share: float, open_windows: int) -> float:
    """The floor when ``open_windows`` windows of one source poll together: they split
    ``share`` of its rate evenly, so polling leaves the rest to fetching."""
    per_window = requests_per_second * share / max(open_windows, 1)
    return max(c.floor, 1.0 / per_window) if per_window > 0 else math.inf


def fit_floor(c: Cadence, floor: float, windows_per_day: int, poll_budget: int) -> float:
    """The least floor (``floor`` or wider, by steps of half) at which ``windows_per_day``
    windows that never see their release poll at most ``poll_budget`` times in a day."""
    if windows_per_day <= 0:
        return floor
    probe = datetime(2000, 1, 3)  # any instant: a window's count depends only on offsets
    for _ in range(64):
        if windows_per_day * len(polls(c, probe, floor)) <= poll_budget:
            return floor
        floor *= 1.5
    return floor


@dataclass(frozen=True, slots=True)
class Due:
    """A release expected at ``at``, of the observation dated ``observed``."""

    observed: date
    at: datetime

    def opens(self, c: Cadence) -> datetime:
        return self.at - timedelta(seconds=c.lead)

    def closes(self, c: Cadence) -> datetime:
        return self.at + timedelta(seconds=c.close)


def due(release: Release, now: datetime, c: Cadence) -> Due:
    """The release whose window is open at ``now``, else the next one to open."""
    day = now.astimezone(ZoneInfo(release.zone)).date() - timedelta(days=SCAN_DAYS)
    for _ in range(2 * SCAN_DAYS):
        if release.observes(day):
            at = release.first_release(day)
            if at + timedelta(seconds=c.close) > now:
                return Due(day, at)
        day += timedelta(days=1)
    raise ValueError(f"{release.name}: no release within {SCAN_DAYS} days of {now}")
