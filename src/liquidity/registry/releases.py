"""Release schedules: when an observation first becomes public.

Pure functions of dates and zones, so that look-ahead rules are testable with
fixed clocks. A release that falls on a holiday of its calendar (the Fed's
federal holidays, or NYSE's for market closes) moves to the next business day;
an estimate is also capped by the moment we actually saw a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from liquidity.registry.calendars import FED, NYSE, holidays_in

NEW_YORK = "America/New_York"
NEVER = datetime(9999, 12, 31, tzinfo=UTC)


def is_business_day(day: date, calendar: str = FED) -> bool:
    return day.weekday() < 5 and day not in holidays_in(calendar, day.year)


def next_business_day(day: date, calendar: str = FED) -> date:
    """``day`` itself if it is a business day, else the next one."""
    while not is_business_day(day, calendar):
        day += timedelta(days=1)
    return day


@dataclass(frozen=True, slots=True)
class Release:
    """An observation dated D is released ``lag`` days (business days if
    ``business_days``) after D, at ``at`` local time in ``zone``, moved past the
    holidays of ``calendar``. ``observed_weekday`` is set for weekly series (the
    weekday of their observations, e.g. Wednesday = 2)."""

    name: str
    at: time
    lag: int = 0
    business_days: bool = False
    zone: str = NEW_YORK
    calendar: str = FED
    observed_weekday: int | None = None
    unscheduled: bool = False  # no calendar: known when we saw it (see UNSCHEDULED)

    def release_date(self, observed: date) -> date:
        if not self.business_days:
            return next_business_day(observed + timedelta(days=self.lag), self.calendar)
        day, left = observed, self.lag
        while left > 0:
            day += timedelta(days=1)
            if is_business_day(day, self.calendar):
                left -= 1
        return next_business_day(day, self.calendar)

    def first_release(self, observed: date) -> datetime:
        """The estimated UTC instant at which the value for ``observed`` became public."""
        if self.unscheduled:
            return NEVER
        local = datetime.combine(self.release_date(observed), self.at, ZoneInfo(self.zone))
        return local.astimezone(UTC)

    def observes(self, day: date) -> bool:
        """Whether the series has an observation dated ``day``."""
        if self.observed_weekday is not None:
            return day.weekday() == self.observed_weekday
        return is_business_day(day, self.calendar)


WEDNESDAY = 2
H41 = Release("H.4.1", time(16, 30), lag=1, observed_weekday=WEDNESDAY)  # published Thursday
H15 = Release("H.15", time(16, 15), lag=1, business_days=True)
NYFED_RRP = Release("NY Fed RRP", time(13, 15))
ICE_OAS = Release("ICE BofA (via FRED)", time(10, 0), lag=1, business_days=True)
CBOE_FRED = Release("CBOE (via FRED)", time(9, 0), lag=1, business_days=True, calendar=NYSE)
CBOE_CLOSE = Release("CBOE close", time(16, 15), calendar=NYSE)
ICE_MOVE_CLOSE = Release("ICE MOVE close", time(17, 0), calendar=NYSE)
# SOFR and EFFR for day D: published by the NY Fed the next business day, 8:00 and 9:00 ET.
NYFED_RATES = Release("NY Fed reference rates", time(9, 0), lag=1, business_days=True)
# IORB is set ahead (FOMC statements): FRED lists it for every calendar day; taken as public
# at the start of its own day.
POLICY_RATES = Release("Fed policy rates", time(8, 0))
DTS = Release("Daily Treasury Statement", time(16, 0), lag=1, business_days=True)

# No known calendar: the value for a date is due that day, and it is taken as public when
# we first saw it (``first_release`` is far in the future, so the fetch instant caps it).
UNSCHEDULED = Release("none", time(23, 59), unscheduled=True)

RELEASES: dict[str, Release] = {
    r.name: r
    for r in (
        H41,
        H15,
        NYFED_RRP,
        ICE_OAS,
        CBOE_FRED,
        CBOE_CLOSE,
        ICE_MOVE_CLOSE,
        DTS,
        NYFED_RATES,
        POLICY_RATES,
    )
}
