"""Yahoo Finance chart API for index closes (^MOVE, ^VIX).

``/v8/finance/chart/<symbol>?period1=&period2=&interval=1d``: timestamps in
``chart.result[0].timestamp``, closes in ``indicators.quote[0].close`` (nulls
happen and are skipped and counted), errors in ``chart.error``. What a real
answer showed (tests/fixtures/yahoo/chart/VIX_max_1mo.json):

- Yahoo may answer coarser bars than asked (``interval=1d&range=max`` came back
  ``1mo``). ``meta.dataGranularity`` is checked; anything but daily bars is
  refused, nothing stored. We never send ``range``: ``period1``/``period2`` is
  the form that gets daily bars.
- The last bar can be the live session, stamped at ``meta.regularMarketTime``
  with ``regularMarketPrice`` as its close. While ``regularMarketTime`` lies in
  ``currentTradingPeriod.regular`` the session is open: bars of its date are left
  for a later run, so an intraday price is never stored as a close.
- Bars are stamped at midnight in ``meta.exchangeTimezoneName`` (America/Chicago
  for ^VIX): dates are read in that zone, never from ``gmtoffset`` (right only
  for the season Yahoo answered in).

Assumed where the meta is silent: no ``dataGranularity`` means the daily bars
asked for; no ``exchangeTimezoneName`` means America/New_York (US indices; a
Chicago midnight is the same date there); a ``regularMarketTime`` without
``currentTradingPeriod.regular`` means that session may still be open.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from liquidity.errors import MalformedResponseError, SourceAPIError, SourceError
from liquidity.models import FetchResult
from liquidity.registry import SeriesSpec
from liquidity.sources.base import (
    FetchRequest,
    PerSeriesSource,
    decode_json,
    keep,
    malformed,
    parse_value,
)

if TYPE_CHECKING:
    from liquidity.http import SourceClient
    from liquidity.sources.registry import SourceConfig

NAME = "yahoo"
DEFAULT_ZONE = "America/New_York"
INTERVAL = "1d"


def query(request: FetchRequest, now: datetime) -> dict[str, str]:
    # A day early: a bar stamped at local midnight east of UTC falls on the UTC day
    # before; the transform drops whatever precedes the start.
    start = datetime.combine(request.start - timedelta(days=1), time(0), UTC)
    return {
        "period1": str(int(start.timestamp())),
        "period2": str(int(now.timestamp())),
        "interval": INTERVAL,
        "includePrePost": "false",
    }


def chart_error(body: Any, status: int, series_id: str) -> SourceError | None:
    """Yahoo's ``chart.error`` (``{"code": ..., "description": ...}``) as an error, or None."""
    chart = body.get("chart") if isinstance(body, dict) else None
    error = chart.get("error") if isinstance(chart, dict) else None
    if not error:
        return None
    detail = error.get("description") or error.get("code") if isinstance(error, dict) else error
    return SourceAPIError(f"yahoo: {series_id}: {detail}", source=NAME, series_id=series_id)


def decode(response: httpx.Response, series_id: str) -> dict[str, Any]:
    body = decode_json(response, NAME, series_id, chart_error, what="chart JSON")
    if "chart" not in body:
        raise MalformedResponseError(
            f"yahoo: {series_id}: HTTP {response.status_code}, body is not chart JSON",
            source=NAME,
            series_id=series_id,
        )
    return body


def check_granularity(meta: dict[str, Any], spec: SeriesSpec) -> None:
    """Refuse bars coarser (or finer) than the daily ones asked for."""
    answered = meta.get("dataGranularity", INTERVAL)
    if answered != INTERVAL:
        raise MalformedResponseError(
            f"yahoo: {spec.id}: asked {spec.symbol} for interval={INTERVAL}, Yahoo answered "
            f"dataGranularity={answered}: refused, nothing stored",
            source=NAME,
            series_id=spec.id,
        )


def exchange_zone(meta: dict[str, Any]) -> ZoneInfo:
    return ZoneInfo(meta.get("exchangeTimezoneName") or DEFAULT_ZONE)


def bar_date(stamp: int | float, zone: ZoneInfo) -> date:
    """The bar's date on the exchange's calendar (bars are stamped at its midnight)."""
    return datetime.fromtimestamp(int(stamp), zone).date()


def open_session(meta: dict[str, Any], zone: ZoneInfo) -> date | None:
    """The date of the session still trading when Yahoo answered, or None if none was."""
    market_time = meta.get("regularMarketTime")
    if market_time is None:
        return None
    regular = (meta.get("currentTradingPeriod") or {}).get("regular") or {}
    start, end = regular.get("start"), regular.get("end")
    if start is not None and end is not None and not start <= market_time < end:
        return None  # the last price is from a session that is over (or the next one's period)
    return bar_date(market_time, zone)


def transform(body: dict[str, Any], request: FetchRequest, fetched_at: datetime) -> FetchResult:
    spec = request.spec
    result = FetchResult(series_id=spec.id, source=NAME)
    try:
        chart = body["chart"]["result"][0]
        meta = chart.get("meta") or {}
        check_granularity(meta, spec)
        zone = exchange_zone(meta)
        live = open_session(meta, zone)
        realtime_start = fetched_at.astimezone(zone).date()
        for day, close in _bars(chart, zone):
            if day < request.start or not _final(day, live, spec, fetched_at):
                continue
            keep(
                result,
                spec,
                day,
                parse_value(close),
                realtime_start=realtime_start,
                fetched_at=fetched_at,
            )
    except (AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
        raise malformed(NAME, spec.id, "chart payload", exc) from None
    _dedupe_last(result)
    return result


def _bars(chart: dict[str, Any], zone: ZoneInfo) -> Iterator[tuple[date, Any]]:
    stamps = chart.get("timestamp") or []
    closes = chart["indicators"]["quote"][0]["close"] if stamps else []
    if len(closes) != len(stamps):
        raise ValueError(f"{len(stamps)} timestamps but {len(closes)} closes")
    for stamp, close in zip(stamps, closes, strict=True):
        yield bar_date(stamp, zone), close


def _final(day: date, live: date | None, spec: SeriesSpec, fetched_at: datetime) -> bool:
    if live is not None and day >= live:
        return False  # the open session's bar: an intraday price, not a close
    return spec.release.first_release(day) <= fetched_at  # and the close is due by now


def _dedupe_last(result: FetchResult) -> None:
    # A closed session can come twice (its midnight bar and the one at regularMarketTime);
    # keep the last value per date.
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


def build(http: SourceClient, config: SourceConfig, *, vintages: bool) -> YahooSource:
    return YahooSource(http, config.url)
