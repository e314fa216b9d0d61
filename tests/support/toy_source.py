"""A source that is not in the package: this module and one registry line (``ENTRY``) make
it collectable (``test_source_registry``). It reads ``/toy/<symbol>``
answering ``{"points": [{"date": "2024-01-02", "value": "1.5"}, ...]}``, errors as
``{"error": {"message": "..."}}``."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from liquidity.compose import http_policy
from liquidity.config import Settings
from liquidity.errors import SourceAPIError, SourceError
from liquidity.http import SourceClient
from liquidity.models import FetchResult
from liquidity.registry import SeriesSpec, Unit
from liquidity.registry.releases import Release
from liquidity.sources.base import FetchRequest, PerSeriesSource, decode_json, keep, parse_value
from liquidity.sources.registry import SourceConfig, SourceEntry

NAME = "toy"
URL = ""  # the test's server; a real source would read its own setting
# The registry line:
ENTRY = SourceEntry("tests.support.toy_source:build", config="tests.support.toy_source:config")


def config(settings: Settings) -> SourceConfig:
    """Its limits and URL (a real source would read settings of its own)."""
    return SourceConfig(http_policy(settings, 50.0, 6000.0), URL)


_RELEASE = Release("toy close", time(17, 0))
TOY = SeriesSpec(
    "TOY", NAME, "good", "A toy series", Unit.INDEX, "daily", _RELEASE, timedelta(days=4)
)
TOY_GONE = SeriesSpec(
    "TOY_GONE",
    NAME,
    "gone",
    "A toy series the source refuses",
    Unit.INDEX,
    "daily",
    _RELEASE,
    timedelta(days=4),
)


def error_body(body: Any, status: int, series_id: str) -> SourceError | None:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    return SourceAPIError(f"toy: {series_id}: {error.get('message')}", source=NAME)


class ToySource(PerSeriesSource):
    name = NAME

    async def _fetch_one(self, request: FetchRequest, fetched_at: datetime) -> FetchResult:
        spec = request.spec
        response = await self.http.get(f"{self.base_url}/toy/{spec.symbol}", series_id=spec.id)
        body = decode_json(response, NAME, spec.id, error_body)
        result = FetchResult(series_id=spec.id, source=NAME, requests=1)
        for point in body["points"]:
            day = datetime.fromisoformat(point["date"]).date()
            keep(
                result,
                spec,
                day,
                parse_value(point["value"]),
                realtime_start=fetched_at.date(),
                fetched_at=fetched_at,
            )
        return result


def build(http: SourceClient, config: SourceConfig, *, vintages: bool) -> ToySource:
    return ToySource(http, config.url)
