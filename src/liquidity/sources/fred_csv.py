"""Keyless FRED: ``fredgraph.csv`` with every series of a run in one request.

The CSV has a date column (``observation_date`` today, ``DATE`` in older
downloads) and one column per id, outer-joined on the date: a cell is empty
(or ``.``) where a series has no value. Empty cells on dates a series does not
observe (a Tuesday for a weekly Wednesday series) are not missing values; only
gaps on the series' own calendar are counted. No vintages: ``realtime_start``
is the day we fetched.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from liquidity.errors import LiquidityError, MalformedResponseError
from liquidity.http import SourceClient
from liquidity.models import FetchResult
from liquidity.sources.base import FetchRequest, observation, parse_value

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
) -> list[FetchResult]:
    """Parse a fredgraph CSV into one result per request (pure)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise MalformedResponseError("fred_csv: empty response", source=NAME)
    header = [h.strip().lstrip("\ufeff") for h in rows[0]]
    if header[0] not in DATE_COLUMNS:
        raise MalformedResponseError(
            f"fred_csv: expected a date column {' or '.join(DATE_COLUMNS)}, got {header[0]!r}",
            source=NAME,
        )
    columns = {name: i for i, name in enumerate(header)}
    absent = [r.spec.symbol for r in requests if r.spec.symbol not in columns]
    if absent:
        raise MalformedResponseError(
            f"fred_csv: columns missing from response: {', '.join(absent)}", source=NAME
        )
    realtime_start = fetched_at.astimezone(FRED_ZONE).date()
    cells = _columns(rows[1:], len(header), [columns[r.spec.symbol] for r in requests])
    results = []
    for request, column in zip(requests, cells, strict=True):
        result = FetchResult(series_id=request.spec.id, source=NAME)
        present = [day for day, value in column if value is not None]
        native = _native_calendar(request.spec.frequency, present)
        for day, value in column:
            if day < request.start:
                continue
            if value is not None:
                result.observations.append(
                    observation(request.spec, day, value, realtime_start=realtime_start,
                                fetched_at=fetched_at, source=NAME)
                )  # fmt: skip
            elif native(day) and present and present[0] <= day <= present[-1]:
                result.missing += 1
        results.append(result)
    return results


def _columns(
    rows: list[list[str]], width: int, indexes: list[int]
) -> list[list[tuple[date, float | None]]]:
    out: list[list[tuple[date, float | None]]] = [[] for _ in indexes]
    for line, row in enumerate(rows, start=2):
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
            for slot, index in enumerate(indexes):
                out[slot].append((day, parse_value(row[index])))
        except ValueError as exc:
            raise MalformedResponseError(f"fred_csv: line {line}: {exc}", source=NAME) from None
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
        if not requests:
            return []
        try:
            response = await self.http.get(self.url, query(requests))
            text = response.text
            if response.status_code != 200:
                raise MalformedResponseError(
                    f"fred_csv: HTTP {response.status_code}: {text[:120].strip()!r}", source=NAME
                )
            results = transform(text, requests, fetched_at)
        except LiquidityError as exc:  # one request serves all: its error is each series' error
            return [exc for _ in requests]
        results[0].requests = 1
        return list(results)
