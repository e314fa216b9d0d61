"""Observation rows and the results that travel between layers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Source of rows from ALFRED vintage history: their known_at is exact, not estimated.
VINTAGE_SOURCE = "alfred"


@dataclass(frozen=True, slots=True)
class Observation:
    """One value of a series for one date, as known from ``realtime_start`` on.

    ``value`` is in the series' canonical unit (registry); ``known_at`` is a
    timezone-aware UTC instant.
    """

    series_id: str
    date: dt.date
    value: float
    realtime_start: dt.date
    known_at: dt.datetime
    source: str


@dataclass(slots=True)
class FetchResult:
    """What one source call brought back for one series."""

    series_id: str
    source: str
    observations: list[Observation] = field(default_factory=list)
    missing: int = 0  # "." / empty / null values skipped
    requests: int = 0
    skipped_unchanged: bool = False  # metadata said nothing changed since last time
    vintaged: bool = False  # rows carry exact vintages (ALFRED): known_at is not estimated
    last_updated: str | None = None  # the source's own "last updated" stamp, if any


@dataclass(frozen=True, slots=True)
class WriteResult:
    inserted: int = 0  # first value ever seen for its date
    revised: int = 0  # a changed value: a new vintage row
    unchanged: int = 0  # same value already known: nothing written
    spooled: int = 0  # the store was unavailable: kept in the local spool for replay

    def __add__(self, other: WriteResult) -> WriteResult:
        return WriteResult(
            self.inserted + other.inserted,
            self.revised + other.revised,
            self.unchanged + other.unchanged,
            self.spooled + other.spooled,
        )

    @property
    def written(self) -> int:
        return self.inserted + self.revised


@dataclass(frozen=True, slots=True)
class SeriesState:
    """Bookkeeping per series: what we last stored and fetched."""

    series_id: str
    last_date: dt.date | None
    last_fetched_at: dt.datetime | None
    last_updated: str | None  # source stamp for skip-if-unchanged
    rows: int
    last_success_at: dt.datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """A row as stored, for publishing: ``revision`` when it replaced an earlier value."""

    observation: Observation
    ingested_at: dt.datetime
    revision: bool
