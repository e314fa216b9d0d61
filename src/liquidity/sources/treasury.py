"""Treasury Fiscal Data: the Daily Treasury Statement's operating cash balance, keyless.

``/services/api/fiscal_service/v1/accounting/dts/operating_cash_balance`` is
JSON ``{"data": [...], "meta": {"total-pages": n}, ...}``, paged with
``page[number]``/``page[size]`` (at most 10000), amounts in USD millions as
strings ("null" when empty). The TGA closing balance moved between rows over
the years, so each era is read from its own row and field:

- "Federal Reserve Account" (until 2021), ``close_today_bal``;
- "Treasury General Account (TGA)", ``close_today_bal``;
- "Treasury General Account (TGA) Closing Balance" (from October 2021), whose
  value the API publishes in ``open_today_bal`` (``close_today_bal`` is null).
Other rows (tax and loan accounts, deposits, withdrawals) are not the TGA.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from liquidity.errors import SourceAPIError, SourceError
from liquidity.models import FetchResult
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

NAME = "treasury_dts"
PATH = "/services/api/fiscal_service/v1/accounting/dts/operating_cash_balance"
PAGE_SIZE = 10_000
NEW_YORK = ZoneInfo("America/New_York")

# Row name -> fields to read, in order (the first that holds a number).
TGA_ROWS = {
    "Treasury General Account (TGA) Closing Balance": ("open_today_bal", "close_today_bal"),
    "Treasury General Account (TGA)": ("close_today_bal",),
    "Federal Reserve Account": ("close_today_bal",),
}


def query(request: FetchRequest, page: int) -> dict[str, str]:
    return {
        "fields": "record_date,account_type,open_today_bal,close_today_bal",
        "filter": f"record_date:gte:{request.start.isoformat()}",
        "sort": "record_date",
        "page[number]": str(page),
        "page[size]": str(PAGE_SIZE),
    }


def transform(
    pages: list[dict[str, Any]], request: FetchRequest, fetched_at: datetime
) -> FetchResult:
    """TGA closing balances from every page, one per record date (pure)."""
    spec = request.spec
    result = FetchResult(series_id=spec.id, source=NAME)
    balances: dict[date, float | None] = {}
    try:
        for body in pages:
            for row in body["data"]:
                fields = TGA_ROWS.get(str(row.get("account_type", "")).strip())
                if fields is None:
                    continue
                day = date.fromisoformat(row["record_date"])
                values = [parse_value(row.get(f)) for f in fields]
                value = next((v for v in values if v is not None), None)
                if balances.get(day) is None:
                    balances[day] = value
    except (KeyError, TypeError, ValueError) as exc:
        raise malformed(NAME, spec.id, "payload", exc) from None
    realtime_start = fetched_at.astimezone(NEW_YORK).date()
    for day in sorted(d for d in balances if d >= request.start):
        keep(result, spec, day, balances[day], realtime_start=realtime_start, fetched_at=fetched_at)
    return result


def total_pages(body: dict[str, Any]) -> int:
    try:
        return int(body["meta"]["total-pages"])
    except (KeyError, TypeError, ValueError):
        return 1


def error_body(body: Any, status: int, series_id: str) -> SourceError | None:
    """Fiscal Data's error body (``{"error": ..., "message": ...}``) on a refusal, or None."""
    if 200 <= status < 300 or not isinstance(body, dict) or not body.get("message"):
        return None
    return SourceAPIError(
        f"treasury_dts: {series_id}: HTTP {status}: {body['message']}",
        source=NAME,
        series_id=series_id,
    )


class TreasuryDtsSource(PerSeriesSource):
    name = NAME

    async def _fetch_one(self, request: FetchRequest, fetched_at: datetime) -> FetchResult:
        sid = request.spec.id
        pages = []
        page, last = 1, 1
        while page <= last:
            response = await self.http.get(
                self.base_url + PATH, query(request, page), series_id=sid
            )
            pages.append(decode_json(response, NAME, sid, error_body))
            last = total_pages(pages[-1])
            page += 1
        result = transform(pages, request, fetched_at)
        result.requests = len(pages)
        return result


def build(http: SourceClient, config: SourceConfig, *, vintages: bool) -> TreasuryDtsSource:
    return TreasuryDtsSource(http, config.url)
