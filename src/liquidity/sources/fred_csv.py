"""Keyless FRED: ``fredgraph.csv`` with every series of a run in one request.

The CSV has a date column (``observation_date`` today, ``DATE`` in older
downloads) and one column per id, outer-joined on the date: a cell is empty
(or ``.``) where a series has no value. Empty cells on dates a series does not
observe (a Tuesday for a weekly Wednesday series) are not missing values; only
gaps on the series' own calendar are counted. No vintages: ``realtime_start``
is the day we fetched.

One bad id must not take the others down: when the multi-id request fails with
a 4xx, or answers without a requested column, the ids are asked again in halves
(then singly), so every good series is stored and only the bad one is reported,
by its own name. The normal case stays one request.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from liquidity.errors import LiquidityError, MalformedResponseError
from liquidity.http import SourceClient
from liquidity.models import FetchResult, Observation
from liquidity.sources.base import FetchRequest, first_seen, parse_value, status_error

NAME = "fred_csv"
DATE_COLUMNS = ("observation_date", "DATE")
FRED_ZONE = ZoneInfo("America/Chicago")  # FRED's realtime dates are St. Louis dates


def query(requests: Sequence[FetchRequest]) -> dict[str, str]:
    """One request for every series: the earliest start covers them all."""
    return {
        "id": ",".join(r.spec.symbol for r in requests),
        "cosd": min(r.start for r in requests).isoformat(),
    }


def transform(
    text: str, requests: Sequence[FetchRequest], fetched_at: datetime
) -> tuple[list[FetchResult], list[FetchRequest]]:
    """Parse a fredgraph CSV (pure): a result per request whose column is present, and
    the requests whose column is absent. One pass over the lines, straight into each
    series' observations (a full collect parses tens of thousands of cells)."""
    lines = csv.reader(io.StringIO(text))
    first = next(lines, None)
    if first is None:
        raise MalformedResponseError("fred_csv: empty response", source=NAME)
    header = [h.strip().lstrip("\ufeff") for h in first]
    if header[0] not in DATE_COLUMNS:
        raise MalformedResponseError(
            f"fred_csv: expected a date column {' or '.join(DATE_COLUMNS)}, got {header[0]!r}",
            source=NAME,
        )
    columns = {name: i for i, name in enumerate(header)}
    present = [r for r in requests if r.spec.symbol in columns]
    absent = [r for r in requests if r.spec.symbol not in columns]
    realtime_start = fetched_at.astimezone(FRED_ZONE).date()
    parsed = [_Column(r, columns[r.spec.symbol], realtime_start, fetched_at) for r in present]
    width = len(header)
    for line, row in enumerate(lines, start=2):
        if not row:
            continue
        if len(row) != width:
            raise MalformedResponseError(
                f"fred_csv: line {line} has {len(row)} fields, expected {width} "
                "(truncated or malformed CSV)",
                source=NAME,
            )
        try:
            day = date.fromisoformat(row[0].strip())
            for column in parsed:
                cell = row[column.index]
                column.add(day, parse_value(cell) if cell else None)
        except ValueError as exc:
            raise MalformedResponseError(f"fred_csv: line {line}: {exc}", source=NAME) from None
    return [column.result() for column in parsed], absent


class _Column:
    """One series' column as the lines go by: its observations from the request's start,
    and the dates without a value (to count the missing ones at the end)."""

    __slots__ = ("days", "gaps", "index", "known_at", "out", "realtime_start", "request")

    def __init__(
        self, request: FetchRequest, index: int, realtime_start: date, fetched_at: datetime
    ) -> None:
        self.request, self.index, self.realtime_start = request, index, realtime_start
        self.known_at = first_seen(request.spec, fetched_at)
        self.out = FetchResult(series_id=request.spec.id, source=NAME)
        self.days: list[date] = []  # dates with a value (any date: the calendar reads them)
        self.gaps: list[date] = []  # dates without one, from the start

    def add(self, day: date, value: float | None) -> None:
        if value is not None:
            self.days.append(day)
            if day >= self.request.start:
                spec = self.request.spec
                self.out.observations.append(
                    Observation(spec.id, day, value, self.realtime_start, self.known_at(day), NAME)
                )
        elif day >= self.request.start:
            self.gaps.append(day)

    def result(self) -> FetchResult:
        present = self.days
        if present:
            native = _native_calendar(self.request.spec.frequency, present)
            first, last = min(present), max(present)
            self.out.missing = sum(1 for d in self.gaps if native(d) and first <= d <= last)
        return self.out


def _native_calendar(frequency: str, present: list[date]) -> Callable[[date], bool]:
    """Dates on which a series observes: its usual weekday if weekly, else Mon-Fri."""
    if frequency == "weekly" and present:
        weekday = Counter(d.weekday() for d in present).most_common(1)[0][0]
        return lambda d: d.weekday() == weekday
    return lambda d: d.weekday() < 5


class FredCsvSource:
    name = NAME
    batched = True  # one request serves every series

    def __init__(self, http: SourceClient, url: str) -> None:
        self.http = http
        self.url = url

    async def fetch(
        self, requests: list[FetchRequest], fetched_at: datetime
    ) -> list[FetchResult | BaseException]:
        outcomes = await self._ask(requests, fetched_at) if requests else {}
        return [outcomes[r.spec.id] for r in requests]

    async def _ask(
        self, requests: list[FetchRequest], fetched_at: datetime
    ) -> dict[str, FetchResult | BaseException]:
        """One request for ``requests``; split it where one id may spoil the rest."""
        try:
            response = await self.http.get(self.url, query(requests))
        except LiquidityError as exc:  # retries spent or breaker open: no id is to blame
            return {r.spec.id: exc for r in requests}
        status = response.status_code
        if 400 <= status < 500 and len(requests) > 1:
            return await self._split(requests, fetched_at)
        try:
            refused = status_error(
                response,
                NAME,
                requests[0].spec.id if len(requests) == 1 else "",
                repr(response.text[:120].strip()),
                label=_names(requests),
            )
            if refused is not None:
                raise refused
            results, absent = transform(response.text, requests, fetched_at)
        except LiquidityError as exc:  # one request serves all: its error is each series'
            return {r.spec.id: exc for r in requests}
        outcomes: dict[str, FetchResult | BaseException] = {r.series_id: r for r in results}
        if results:
            results[0].requests = 1
        if len(absent) == len(requests) > 1:
            outcomes.update(await self._split(absent, fetched_at))
        elif len(absent) > 1 or (absent and results):
            outcomes.update(await self._ask(absent, fetched_at))  # fewer ids: it ends
        elif absent:
            (alone,) = absent
            outcomes[alone.spec.id] = MalformedResponseError(
                f"fred_csv: {alone.spec.id}: no column {alone.spec.symbol!r} in the response "
                "(unknown or discontinued id?)",
                source=NAME,
                series_id=alone.spec.id,
            )
        return outcomes

    async def _split(
        self, requests: list[FetchRequest], fetched_at: datetime
    ) -> dict[str, FetchResult | BaseException]:
        half = len(requests) // 2
        parts = await asyncio.gather(
            self._ask(requests[:half], fetched_at), self._ask(requests[half:], fetched_at)
        )
        return {**parts[0], **parts[1]}


def _names(requests: Sequence[FetchRequest]) -> str:
    return ", ".join(r.spec.id for r in requests)
