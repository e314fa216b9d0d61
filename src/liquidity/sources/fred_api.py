"""FRED JSON API (with a key): metadata first, then only what changed.

Per series: ``series`` gives ``last_updated`` (skip when it equals the stamp
stored last time) and ``units`` (checked against the registry, converted when
only the scale differs); then ``series/observations`` from the requested start,
paged by ``limit``/``offset``. Error bodies are JSON
``{"error_code": 400, "error_message": "..."}``.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime
from typing import Any

import httpx

from liquidity.errors import (
    AuthenticationError,
    MalformedResponseError,
    SourceAPIError,
    UnitError,
)
from liquidity.http import SourceClient
from liquidity.models import FetchResult
from liquidity.registry import SeriesSpec, unit_from_fred
from liquidity.registry.units import factor
from liquidity.sources.base import FetchRequest, observation, only_ours, parse_value

NAME = "fred"
PAGE_LIMIT = 100_000  # FRED's maximum per page


def series_query(spec: SeriesSpec, api_key: str) -> dict[str, str]:
    return {"series_id": spec.symbol, "api_key": api_key, "file_type": "json"}


def observations_query(
    spec: SeriesSpec, api_key: str, start: date, offset: int = 0
) -> dict[str, str]:
    return {
        **series_query(spec, api_key),
        "observation_start": start.isoformat(),
        "sort_order": "asc",
        "limit": str(PAGE_LIMIT),
        "offset": str(offset),
    }


def decode(response: httpx.Response, series_id: str) -> dict[str, Any]:
    """The JSON body, or the typed error FRED's error body describes."""
    try:
        body = json.loads(response.content)
    except ValueError:
        raise MalformedResponseError(
            f"fred: {series_id}: HTTP {response.status_code}, body is not JSON",
            source=NAME,
            series_id=series_id,
        ) from None
    if not isinstance(body, dict):
        raise MalformedResponseError(
            f"fred: {series_id}: expected a JSON object", source=NAME, series_id=series_id
        )
    if "error_message" in body or response.status_code >= 400:
        message = str(body.get("error_message", f"HTTP {response.status_code}"))
        code = body.get("error_code", response.status_code)
        if "api_key" in message:
            raise AuthenticationError(
                f"fred: the API key was rejected (LIQUIDITY_FRED_API_KEY): {message}",
                source=NAME,
                series_id=series_id,
            )
        raise SourceAPIError(
            f"fred: {series_id}: error {code}: {message}", source=NAME, series_id=series_id
        )
    return body


def unit_factor(spec: SeriesSpec, metadata: dict[str, Any]) -> float:
    """Factor from the unit FRED reports to the registry's canonical unit."""
    try:
        units = str(metadata["seriess"][0]["units"])
    except (KeyError, IndexError, TypeError):
        raise MalformedResponseError(
            f"fred: {spec.id}: series metadata without units", source=NAME, series_id=spec.id
        ) from None
    reported = unit_from_fred(units)
    if reported is None:
        raise UnitError(f"fred: {spec.id}: unknown unit {units!r}, expected {spec.unit.label}")
    return factor(reported, spec.unit)


def last_updated(metadata: dict[str, Any]) -> str | None:
    try:
        return str(metadata["seriess"][0]["last_updated"])
    except (KeyError, IndexError, TypeError):
        return None


def transform(
    body: dict[str, Any], spec: SeriesSpec, fetched_at: datetime, scale: float, result: FetchResult
) -> int:
    """Add a page of observations to ``result``; returns how many the page held (pure)."""
    try:
        rows = body["observations"]
        for row in rows:
            value = parse_value(row["value"])
            if value is None:
                result.missing += 1
                continue
            result.observations.append(
                observation(
                    spec,
                    date.fromisoformat(row["date"]),
                    value * scale,
                    realtime_start=date.fromisoformat(row["realtime_start"]),
                    fetched_at=fetched_at,
                    source=NAME,
                )
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedResponseError(
            f"fred: {spec.id}: unexpected observations payload ({type(exc).__name__}: {exc})",
            source=NAME,
            series_id=spec.id,
        ) from None
    return len(rows)


class FredApiSource:
    name = NAME

    def __init__(self, http: SourceClient, base_url: str, api_key: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key

    async def fetch(
        self, requests: list[FetchRequest], fetched_at: datetime
    ) -> list[FetchResult | BaseException]:
        tasks = [self._fetch_one(r, fetched_at) for r in requests]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        return [only_ours(r) for r in results]

    async def _get(self, path: str, params: dict[str, str], series_id: str) -> dict[str, Any]:
        response = await self.http.get(f"{self.base_url}/{path}", params, series_id=series_id)
        return decode(response, series_id)

    async def _fetch_one(self, request: FetchRequest, fetched_at: datetime) -> FetchResult:
        spec = request.spec
        result = FetchResult(series_id=spec.id, source=NAME)
        metadata = await self._get("series", series_query(spec, self._api_key), spec.id)
        result.requests += 1
        result.last_updated = last_updated(metadata)
        scale = unit_factor(spec, metadata)
        if result.last_updated is not None and result.last_updated == request.last_updated:
            result.skipped_unchanged = True
            return result
        offset = 0
        while True:
            params = observations_query(spec, self._api_key, request.start, offset)
            body = await self._get("series/observations", params, spec.id)
            result.requests += 1
            page = transform(body, spec, fetched_at, scale, result)
            offset += page
            if page == 0 or offset >= int(body.get("count", 0)):
                return result
