"""Release schedules: when an observation first becomes public.

Pure functions of dates and zones, so that look-ahead rules are testable with
fixed clocks. Holidays are not modelled here: an estimate is capped by the
moment we actually saw a value, so it can only err towards the past by the
length of a holiday delay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NEW_YORK = "America/New_York"


@dataclass(frozen=True, slots=True)
class Release:
    """An observation dated D is released ``lag`` days (business days if
    ``business_days``) after D, at ``at`` local time in ``zone``."""

    name: str
    at: time
    lag: int = 0
    business_days: bool = False
    zone: str = NEW_YORK

    def release_date(self, observed: date) -> date:
        if not self.business_days:
            return observed + timedelta(days=self.lag)
        day, left = observed, self.lag
        while left > 0:
            day += timedelta(days=1)
            if day.weekday() < 5:
                left -= 1
        return day

    def first_release(self, observed: date) -> datetime:
        """The estimated UTC instant at which the value for ``observed`` became public."""
        local = datetime.combine(self.release_date(observed), self.at, ZoneInfo(self.zone))
        return local.astimezone(UTC)


H41 = Release("H.4.1", time(16, 30), lag=1)  # Wednesday level, published Thursday
H15 = Release("H.15", time(16, 15), lag=1, business_days=True)
NYFED_RRP = Release("NY Fed RRP", time(13, 15))
ICE_OAS = Release("ICE BofA (via FRED)", time(10, 0), lag=1, business_days=True)
CBOE_FRED = Release("CBOE (via FRED)", time(9, 0), lag=1, business_days=True)
CBOE_CLOSE = Release("CBOE close", time(16, 15))
ICE_MOVE_CLOSE = Release("ICE MOVE close", time(17, 0))
