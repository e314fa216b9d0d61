"""NY Fed Markets API: overnight reverse repo (ON RRP) results, keyless.

``/api/rp/reverserepo/propositions/search.json?startDate=&endDate=`` answers
``{"repo": {"operations": [...]}}``, one entry per operation with
``operationDate``, ``operationType``, ``auctionStatus``, ``totalAmtAccepted``
(USD) and ``lastUpdated`` (New York time, when the result was published). A day
may hold a small value exercise besides the regular operation: the daily value
is the total accepted across that day's results, in USD billions (as FRED's
RRPONTSYD), known from the day's last publication.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from liquidity.models import FetchResult, Observation
from liquidity.sources.base import (
    FetchRequest,
    PerSeriesSource,
    decode_json,
    malformed,
    parse_value,
)

if TYPE_CHECKING:
    from liquidity.http import SourceClient
    from liquidity.sources.registry import SourceConfig

NAME = "nyfed"
PATH = "/api/rp/reverserepo/propositions/search.json"
NEW_YORK = ZoneInfo("America/New_York")


def query(request: FetchRequest, now: datetime) -> dict[str, str]:
    return {
        "startDate": request.start.isoformat(),
        "endDate": now.astimezone(NEW_YORK).date().isoformat(),
    }


def transform(body: Any, request: FetchRequest, fetched_at: datetime) -> FetchResult:
    """Daily ON RRP totals from the operations list (pure)."""
    spec = request.spec
    result = FetchResult(series_id=spec.id, source=NAME)
    totals: dict[date, float] = defaultdict(float)
    published: dict[date, datetime] = {}
    try:
        operations = body["repo"]["operations"] or []
        for op in operations:
            if op.get("operationType") != "Reverse Repo" or op.get("auctionStatus") != "Results":
                continue
            day = date.fromisoformat(op["operationDate"])
            amount = parse_value(op.get("totalAmtAccepted"))
            if day < request.start:
                continue
            if amount is None:
                result.missing += 1
                continue
            totals[day] += amount / 1e9
            stamp = _published(op.get("lastUpdated"), spec.release.first_release(day))
            published[day] = max(published.get(day, stamp), stamp)
    except (KeyError, TypeError, ValueError) as exc:
        raise malformed(NAME, spec.id, "operations payload", exc) from None
    realtime_start = fetched_at.astimezone(NEW_YORK).date()
    result.observations = [
        Observation(
            spec.id, day, totals[day], realtime_start, min(published[day], fetched_at), NAME
        )
        for day in sorted(totals)
    ]
    return result


def _published(text: str | None, fallback: datetime) -> datetime:
    """``lastUpdated`` ("2025-11-24 13:16:02", New York) as an aware instant."""
    if not text:
        return fallback
    return datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)


class NyFedSource(PerSeriesSource):
    name = NAME

    async def _fetch_one(self, request: FetchRequest, fetched_at: datetime) -> FetchResult:
        sid = request.spec.id
        response = await self.http.get(
            self.base_url + PATH, query(request, fetched_at), series_id=sid
        )
        result = transform(decode_json(response, NAME, sid), request, fetched_at)
        result.requests = 1
        return result


def build(http: SourceClient, config: SourceConfig, *, vintages: bool) -> NyFedSource:
    return NyFedSource(http, config.url)
