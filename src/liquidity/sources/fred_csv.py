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
from collections.abc import AsyncIterator, Callable, Sequence
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
    the requests whose column is absent."""
    columns, absent = parse(text, requests, fetched_at)
    return [column.result() for column in columns], absent


def parse(
    text: str, requests: Sequence[FetchRequest], fetched_at: datetime
) -> tuple[list[Column], list[FetchRequest]]:
    """Read a fredgraph CSV (pure) into a column per request whose id it has (its rows
    are built by ``Column.result``, one series at a time), and the requests whose column
    is absent. A malformed line fails the whole answer, before any series is built."""
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
    index = {name: i for i, name in enumerate(header)}
    present = [r for r in requests if r.spec.symbol in index]
    absent = [r for r in requests if r.spec.symbol not in index]
    realtime_start = fetched_at.astimezone(FRED_ZONE).date()
    days: list[date] = []  # shared by the columns
    columns = [Column(r, days, realtime_start, fetched_at) for r in present]
    cells = [(index[r.spec.symbol], c.values) for r, c in zip(present, columns, strict=True)]
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
            days.append(date.fromisoformat(row[0].strip()))
            for i, values in cells:
                cell = row[i]
                values.append(parse_value(cell) if cell else None)
        except ValueError as exc:
            raise MalformedResponseError(f"fred_csv: line {line}: {exc}", source=NAME) from None
    return columns, absent


class Column:
    """One series' values, by the answer's dates; ``result`` builds its rows (from the
    request's start) and counts its missing values."""

    __slots__ = ("days", "fetched_at", "realtime_start", "request", "requests", "values")

    def __init__(
        self, request: FetchRequest, days: list[date], realtime_start: date, fetched_at: datetime
    ) -> None:
        self.request, self.days, self.realtime_start = request, days, realtime_start
        self.fetched_at = fetched_at
        self.values: list[float | None] = []
        self.requests = 0  # the HTTP requests it took (set on one column of an answer)

    def result(self) -> FetchResult:
        spec, start = self.request.spec, self.request.start
        known_at, realtime_start = first_seen(spec, self.fetched_at), self.realtime_start
        out = FetchResult(series_id=spec.id, source=NAME, requests=self.requests)
        rows = out.observations
        present: list[date] = []  # dates with a value (any date: the calendar reads them)
        gaps: list[date] = []  # dates without one, from the start
        for day, value in zip(self.days, self.values, strict=True):
            if value is not None:
                present.append(day)
                if day >= start:
                    rows.append(
                        Observation(spec.id, day, value, realtime_start, known_at(day), NAME)
                    )
            elif day >= start:
                gaps.append(day)
        if present:
            native = _native_calendar(spec.frequency, present)
            first, last = min(present), max(present)
            out.missing = sum(1 for d in gaps if native(d) and first <= d <= last)
        return out


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
        return [_built(outcomes[r.spec.id]) for r in requests]

    async def stream(
        self, requests: list[FetchRequest], fetched_at: datetime
    ) -> AsyncIterator[tuple[int, FetchResult | BaseException]]:
        """Each request's result (by its index), one series built at a time: the pipeline
        stores one while the next is built, and a stored series' rows go before the
        next's are made."""
        outcomes = await self._ask(requests, fetched_at) if requests else {}
        for index, request in enumerate(requests):
            outcome = outcomes.pop(request.spec.id)
            yield index, _built(outcome)
            del outcome

    async def _ask(self, requests: list[FetchRequest], fetched_at: datetime) -> dict[str, Outcome]:
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
            columns, absent = parse(response.text, requests, fetched_at)
        except LiquidityError as exc:  # one request serves all: its error is each series'
            return {r.spec.id: exc for r in requests}
        outcomes: dict[str, Outcome] = {c.request.spec.id: c for c in columns}
        if columns:
            columns[0].requests = 1
        if len(absent) == len(requests) > 1:
            outcomes.update(await self._split(absent, fetched_at))
        elif len(absent) > 1 or (absent and columns):
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
    ) -> dict[str, Outcome]:
        half = len(requests) // 2
        parts = await asyncio.gather(
            self._ask(requests[:half], fetched_at), self._ask(requests[half:], fetched_at)
        )
        return {**parts[0], **parts[1]}


# A series' outcome of one answer: its column (rows not built yet), or its error.
Outcome = Column | FetchResult | BaseException


def _built(outcome: Outcome) -> FetchResult | BaseException:
    return outcome.result() if isinstance(outcome, Column) else outcome


def _names(requests: Sequence[FetchRequest]) -> str:
    return ", ".join(r.spec.id for r in requests)
