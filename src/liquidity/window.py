"""The window a read covers: first and last date, and the instant it is seen from.

One parser for the dates and instants of a window, shared by the Python API and the
command line. Bad input is a ``WindowError`` (a ``ConfigError``) in one line, naming
the field with the caller's label (``start`` in the API, ``--start`` on the command line).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from liquidity.errors import ConfigError

NEW_YORK = ZoneInfo("America/New_York")
# The instants a timestamp can hold (years 1 to 9999, UTC); nothing stored lies outside.
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)

# How each field is named in messages; the command line passes its option names.
LABELS: Mapping[str, str] = {"start": "start", "end": "end", "as_of": "as_of"}


class WindowError(ConfigError):
    """A date or instant of a window is invalid; ``label`` names the field."""

    def __init__(self, label: str, problem: str) -> None:
        super().__init__(f"{label}: {problem}")
        self.label = label
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Window:
    """``start`` and ``end`` (dates, inclusive) and ``as_of`` (aware): None = unbounded."""

    start: date | None = None
    end: date | None = None
    as_of: datetime | None = None

    def __post_init__(self) -> None:
        ordered(self.start, self.end)

    @classmethod
    def parse(
        cls,
        start: date | str | None,
        end: date | str | None,
        as_of: datetime | str | None,
        labels: Mapping[str, str] = LABELS,
    ) -> Window:
        first = parse_date(start, labels["start"])
        last = parse_date(end, labels["end"])
        ordered(first, last, labels)
        return cls(first, last, parse_instant(as_of, labels["as_of"]))


def ordered(start: date | None, end: date | None, labels: Mapping[str, str] = LABELS) -> None:
    """Refuse ``start`` after ``end``: an empty window is a mistake, not an answer."""
    if start is not None and end is not None and start > end:
        raise WindowError(labels["start"], f"{start} is after {labels['end']} {end}")


def parse_date(value: date | str | None, label: str = "start") -> date | None:
    """A date, or its ISO text (YYYY-MM-DD)."""
    if not isinstance(value, str):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise WindowError(label, f"{value!r} is not a date (YYYY-MM-DD)") from None


def parse_instant(value: datetime | str | None, label: str = "as_of") -> datetime | None:
    """An instant, or its ISO text. With an offset: that instant; without: UTC; a bare
    date: the end of that day in New York (what was known by that evening)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return representable(value if value.tzinfo else value.replace(tzinfo=UTC))
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return representable(datetime.combine(day, time(23, 59, 59, 999999), NEW_YORK))
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise WindowError(
            label, f"{value!r} is not an ISO date or instant (e.g. 2024-03-15T12:00:00-04:00)"
        ) from None
    return representable(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def representable(moment: datetime) -> datetime:
    """``moment`` (aware), clamped to the instants UTC can hold.

    9999-12-31 in New York ends after the last one and 0001-01-01 at +14:00 starts before
    the first; every stored ``known_at`` lies between them, so the clamped instant selects
    exactly the rows the instant asked for would (everything, or nothing)."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return LATEST if moment.year == datetime.max.year else EARLIEST
    return moment


EVERYTHING = Window()  # no bound: every date, as known now
