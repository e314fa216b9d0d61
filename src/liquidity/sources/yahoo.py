"""Yahoo Finance chart API for index closes (^MOVE, ^VIX).

``/v8/finance/chart/<symbol>?period1=&period2=&interval=1d``: timestamps in
``chart.result[0].timestamp``, closes in ``indicators.quote[0].close`` (nulls
happen and are skipped and counted), errors in ``chart.error``. A bar whose
close is not yet due (today, during the session) is left for a later run, so
an intraday price is never stored as a close.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from liquidity.errors import MalformedResponseError, SourceAPIError
from liquidity.models import FetchResult
from liquidity.sources.base import (
    FetchRequest,
    PerSeriesSource,
    keep,
    malformed,
    parse_value,
)

NAME = "yahoo"
DEFAULT_ZONE = "America/New_York"


def query(request: FetchRequest, now: datetime) -> dict[str, str]:
    start = datetime.combine(request.start, time(0), UTC)
    return {
        "period1": str(int(start.timestamp())),
        "period2": str(int(now.timestamp())),
        "interval": "1d",
        "includePrePost": "false",
    }


def decode(response: httpx.Response, series_id: str) -> dict[str, Any]:
    try:
        body = json.loads(response.content)
        chart = body["chart"]
    except (ValueError, KeyError, TypeError):
        raise MalformedResponseError(
            f"yahoo: {series_id}: HTTP {response.status_code}, body is not chart JSON",
            source=NAME,
            series_id=series_id,
        ) from None
    error = chart.get("error") if isinstance(chart, dict) else None
    if error:
        detail = error.get("description") or error.get("code") if isinstance(error, dict) else error
        raise SourceAPIError(f"yahoo: {series_id}: {detail}", source=NAME, series_id=series_id)
    if response.status_code >= 400:
        raise SourceAPIError(
            f"yahoo: {series_id}: HTTP {response.status_code}", source=NAME, series_id=series_id
        )
    return dict(body)


def transform(body: dict[str, Any], request: FetchRequest, fetched_at: datetime) -> FetchResult:
    spec = request.spec
    result = FetchResult(series_id=spec.id, source=NAME)
    try:
        chart = body["chart"]["result"][0]
        zone = ZoneInfo(chart.get("meta", {}).get("exchangeTimezoneName") or DEFAULT_ZONE)
        stamps = chart.get("timestamp") or []
        closes = chart["indicators"]["quote"][0]["close"] if stamps else []
        if len(closes) != len(stamps):
            raise ValueError(f"{len(stamps)} timestamps but {len(closes)} closes")
        realtime_start = fetched_at.astimezone(zone).date()
        for stamp, close in zip(stamps, closes, strict=True):
            day = datetime.fromtimestamp(int(stamp), zone).date()
            if day < request.start or spec.release.first_release(day) > fetched_at:
                continue  # before the window, or the close is not final yet
            keep(result, spec, day, parse_value(close), realtime_start=realtime_start,
                 fetched_at=fetched_at)  # fmt: skip
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise malformed(NAME, spec.id, "chart payload", exc) from None
    _dedupe_last(result)
    return result


def _dedupe_last(result: FetchResult) -> None:
    # Yahoo sometimes repeats the current bar; keep the last value per date.
    by_day: dict[date, int] = {}
    for index, obs in enumerate(result.observations):
        by_day[obs.date] = index
    if len(by_day) != len(result.observations):
        result.observations = [result.observations[i] for i in sorted(by_day.values())]


class YahooSource(PerSeriesSource):
    name = NAME

    async def _fetch_one(self, request: FetchRequest, fetched_at: datetime) -> FetchResult:
        url = f"{self.base_url}/v8/finance/chart/{quote(request.spec.symbol, safe='')}"
        response = await self.http.get(url, query(request, fetched_at), series_id=request.spec.id)
        result = transform(decode(response, request.spec.id), request, fetched_at)
        result.requests = 1
        return result
