"""FRED with a key: metadata from the JSON API, current values from ``fredgraph.csv``.

Under FRED's 2 requests/second, requests are what cost time, so the API is asked
only for what it alone gives. Metadata gives ``last_updated`` (skip when it
equals the stamp stored last time) and ``units`` (checked against the registry,
converted when only the scale differs); series that share a FRED release
(registry ``fred_release``) get theirs from one ``release/series?release_id=N``
listing (the same fields as ``series``, for every series of the release, paged by
``limit``/``offset``), asked once per run and shared; a series alone in its
release, or missing from the listing, asks ``series?series_id=``.

Plain current values of every series that needs them come in ONE multi-id
``fredgraph.csv`` request (no key; the split rules of :mod:`fred_csv` keep one bad
id from taking the others down), scaled by the unit factor the metadata gave. A
series with no stored stamp needs its values whatever the metadata says, so
those are asked beside the metadata; a series with a stamp waits for it and is
asked only when the stamp moved. ``series/observations`` is asked only for
vintages (ALFRED, ``vintages=True``), one series at a time, paged. Error bodies
are JSON ``{"error_code": 400, "error_message": "..."}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from liquidity.catalog.active import release_members
from liquidity.errors import (
    AuthenticationError,
    LiquidityError,
    MalformedResponseError,
    SourceAPIError,
    SourceError,
    UnitError,
)
from liquidity.http import SourceClient
from liquidity.models import VINTAGE_SOURCE, FetchResult, Observation
from liquidity.registry import SeriesSpec
from liquidity.registry.units import factor, parse_units
from liquidity.sources.base import (
    FetchRequest,
    decode_json,
    malformed,
    observation,
    only_ours,
    parse_value,
)
from liquidity.sources.fred_csv import FredCsvSource

NAME = "fred"
PAGE_LIMIT = 100_000  # FRED's maximum per page
ALL_VINTAGES = ("1776-07-04", "9999-12-31")
RELEASE_PAGE_LIMIT = 1000  # FRED's maximum for release/series


def series_query(spec: SeriesSpec, api_key: str) -> dict[str, str]:
    return symbol_query(spec.symbol, api_key)


def symbol_query(symbol: str, api_key: str) -> dict[str, str]:
    return {"series_id": symbol, "api_key": api_key, "file_type": "json"}


def observations_query(
    spec: SeriesSpec, api_key: str, start: date, offset: int = 0, *, vintages: bool = False
) -> dict[str, str]:
    query = {
        **series_query(spec, api_key),
        "observation_start": start.isoformat(),
        "sort_order": "asc",
        "limit": str(PAGE_LIMIT),
        "offset": str(offset),
    }
    if vintages:  # ALFRED: every vintage ever published
        query.update(realtime_start=ALL_VINTAGES[0], realtime_end=ALL_VINTAGES[1])
    return query


def vintage_known_at(spec: SeriesSpec, realtime_start: date) -> datetime:
    """A vintage became public on its first day, at the series' release time."""
    local = datetime.combine(realtime_start, spec.release.at, ZoneInfo(spec.release.zone))
    return local.astimezone(UTC)


def release_query(release_id: int, api_key: str, offset: int = 0) -> dict[str, str]:
    return {
        "release_id": str(release_id),
        "api_key": api_key,
        "file_type": "json",
        "order_by": "series_id",
        "sort_order": "asc",
        "limit": str(RELEASE_PAGE_LIMIT),
        "offset": str(offset),
    }


def shares_release(spec: SeriesSpec) -> bool:
    """Whether one listing of the series' release serves more than this series."""
    return spec.fred_release is not None and len(release_members(spec.fred_release)) > 1


def error_body(body: Any, status: int, series_id: str) -> SourceError | None:
    """FRED's error body ``{"error_code": 400, "error_message": "..."}`` as its typed error
    (a rejected key is an :class:`AuthenticationError`), or None."""
    if not isinstance(body, dict) or "error_message" not in body:
        return None
    message = str(body["error_message"])
    code = body.get("error_code", status)
    if "api_key" in message:
        return AuthenticationError(
            f"fred: the API key was rejected (LIQUIDITY_FRED_API_KEY): {message}",
            source=NAME,
            series_id=series_id,
        )
    return SourceAPIError(
        f"fred: {series_id}: error {code}: {message}", source=NAME, series_id=series_id
    )


def entries(body: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """The ``seriess`` list of a ``series`` or ``release/series`` body."""
    rows = body.get("seriess")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise MalformedResponseError(f"fred: {where}: metadata without a seriess list", source=NAME)
    return rows


def units_text(entry: dict[str, Any], series_id: str) -> str:
    """FRED's ``units`` of a metadata entry ("Millions of U.S. Dollars")."""
    try:
        return str(entry["units"])
    except (KeyError, TypeError):
        raise MalformedResponseError(
            f"fred: {series_id}: series metadata without units", source=NAME, series_id=series_id
        ) from None


def unit_factor(spec: SeriesSpec, entry: dict[str, Any]) -> float:
    """Factor from the unit FRED reports to the registry's canonical unit."""
    units = units_text(entry, spec.id)
    try:
        measure = parse_units(units)
    except UnitError:
        raise UnitError(
            f"fred: {spec.id}: unknown unit {units!r}, expected {spec.unit.label}"
        ) from None
    if measure.dimension != spec.unit.dimension:  # e.g. chained dollars for nominal ones
        raise UnitError(f"fred: {spec.id}: unit {units!r} cannot be {spec.unit.label}")
    return factor(measure, spec.unit)


def last_page(body: dict[str, Any], rows: int, offset: int, asked: int, where: str) -> bool:
    """Whether paging is done: an empty or short page (fewer rows than the page's own
    ``limit``) is the last whatever ``count`` claims, so a wrong count cannot loop."""
    try:
        count, limit = int(body.get("count", 0)), int(body.get("limit", asked))
    except (TypeError, ValueError):
        raise MalformedResponseError(
            f"fred: {where}: paging fields count/limit are not numbers", source=NAME
        ) from None
    return rows == 0 or rows < limit or offset >= count


def last_updated(entry: dict[str, Any]) -> str | None:
    stamp = entry.get("last_updated")
    return None if stamp is None else str(stamp)


def transform(
    body: dict[str, Any], spec: SeriesSpec, fetched_at: datetime, scale: float, result: FetchResult
) -> int:
    """Add a page of observations to ``result``; returns how many the page held (pure).
    Vintage rows (``result.vintaged``) are known from their vintage's release instant."""
    try:
        rows = body["observations"]
        for row in rows:
            value = parse_value(row["value"])
            if value is None:
                result.missing += 1
                continue
            day, rs = date.fromisoformat(row["date"]), date.fromisoformat(row["realtime_start"])
            if result.vintaged:
                # A vintage dated from today on (9999-12-31 included) is known when seen.
                known = fetched_at
                if rs < fetched_at.date():
                    known = min(vintage_known_at(spec, rs), fetched_at)
                obs = Observation(spec.id, day, value * scale, rs, known, VINTAGE_SOURCE)
            else:
                obs = observation(
                    spec, day, value * scale, realtime_start=rs, fetched_at=fetched_at, source=NAME
                )
            result.observations.append(obs)
    except (KeyError, TypeError, ValueError) as exc:
        raise malformed(NAME, spec.id, "observations payload", exc) from None
    return len(rows)


class FredApiSource:
    name = NAME

    def __init__(
        self,
        http: SourceClient,
        base_url: str,
        api_key: str,
        *,
        graph_url: str,
        vintages: bool = False,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.vintages = vintages
        # Current values come for all series at once; vintages one series at a time.
        self.batched = not vintages
        self._graph = FredCsvSource(http, graph_url)
        # One listing per release and run, shared by the series that await it.
        self._listings: dict[int, asyncio.Task[dict[str, dict[str, Any]]]] = {}

    async def fetch(
        self, requests: list[FetchRequest], fetched_at: datetime
    ) -> list[FetchResult | BaseException]:
        results: list[FetchResult | BaseException | None] = [None] * len(requests)
        async for index, result in self.stream(requests, fetched_at):
            results[index] = result
        return [r for r in results if r is not None]

    async def stream(
        self, requests: list[FetchRequest], fetched_at: datetime
    ) -> AsyncIterator[tuple[int, FetchResult | BaseException]]:
        """Each request's result (by its index) as soon as it is known, so the pipeline
        stores a series whose metadata came first while the others wait their turn
        under the rate limit."""
        shared: list[asyncio.Future[Any]] = []  # what the series' jobs await together
        jobs: list[Coroutine[Any, Any, FetchResult | BaseException]]
        if self.vintages:
            jobs = [self._fetch_vintages(r, fetched_at) for r in requests]
        else:
            jobs = self._current_jobs(requests, fetched_at, shared)
        tasks = [asyncio.ensure_future(_indexed(i, job)) for i, job in enumerate(jobs)]
        try:
            for done in asyncio.as_completed(tasks):
                index, result = await done
                yield index, only_ours(result)
        finally:
            for task in [*tasks, *shared]:
                task.cancel()

    def _current_jobs(
        self, requests: list[FetchRequest], fetched_at: datetime, shared: list[asyncio.Future[Any]]
    ) -> list[Coroutine[Any, Any, FetchResult | BaseException]]:
        """One job per series: metadata, then values from one shared fredgraph request."""
        fresh = [r for r in requests if r.last_updated is None]
        # Nothing stored to compare with: its values are wanted anyway, so they need
        # not wait for the metadata (a full collect costs the metadata's time only).
        early = asyncio.ensure_future(self._values(fresh, fetched_at))
        metas = [asyncio.ensure_future(self._metadata(r.spec)) for r in requests]
        later = asyncio.ensure_future(self._changed_values(requests, metas, fetched_at))
        shared += [early, *metas, later]
        return [
            self._current(r, meta, early, later) for r, meta in zip(requests, metas, strict=True)
        ]

    async def _current(
        self,
        request: FetchRequest,
        meta: asyncio.Future[tuple[dict[str, Any], int]],
        early: asyncio.Future[dict[str, FetchResult | BaseException]],
        later: asyncio.Future[dict[str, FetchResult | BaseException]],
    ) -> FetchResult | BaseException:
        try:
            entry = await meta
        except LiquidityError as exc:
            return exc
        values: FetchResult | BaseException | None = None
        if request.last_updated is None:
            values = (await early)[request.spec.id]
        elif last_updated(entry[0]) != request.last_updated:
            values = (await later)[request.spec.id]
        return _outcome(request, entry, values)

    async def _changed_values(
        self,
        requests: list[FetchRequest],
        metas: Sequence[asyncio.Future[tuple[dict[str, Any], int]]],
        fetched_at: datetime,
    ) -> dict[str, FetchResult | BaseException]:
        """Values of the stored series whose stamp moved, once every stamp is known."""
        entries = await asyncio.gather(*metas, return_exceptions=True)
        changed = [
            r
            for r, meta in zip(requests, entries, strict=True)
            if r.last_updated is not None
            and not isinstance(meta, BaseException)
            and last_updated(meta[0]) != r.last_updated
        ]
        return await self._values(changed, fetched_at)

    async def _values(
        self, requests: list[FetchRequest], fetched_at: datetime
    ) -> dict[str, FetchResult | BaseException]:
        if not requests:
            return {}
        results = await self._graph.fetch(requests, fetched_at)
        return {r.spec.id: res for r, res in zip(requests, results, strict=True)}

    async def _get(self, path: str, params: dict[str, str], series_id: str) -> dict[str, Any]:
        response = await self.http.get(f"{self.base_url}/{path}", params, series_id=series_id)
        return decode_json(response, NAME, series_id, error_body)

    async def _fetch_vintages(self, request: FetchRequest, fetched_at: datetime) -> FetchResult:
        """Every ALFRED vintage of one series from the request's start, paged."""
        spec = request.spec
        result = FetchResult(series_id=spec.id, source=NAME, vintaged=True)
        entry, asked = await self._metadata(spec)
        result.requests += asked
        result.last_updated = last_updated(entry)
        scale = unit_factor(spec, entry)
        offset = 0
        while True:
            params = observations_query(spec, self._api_key, request.start, offset, vintages=True)
            body = await self._get("series/observations", params, spec.id)
            result.requests += 1
            page = transform(body, spec, fetched_at, scale, result)
            offset += page
            if last_page(body, page, offset, PAGE_LIMIT, spec.id):
                return result

    async def metadata(self, spec: SeriesSpec) -> tuple[dict[str, Any], int]:
        """The series' metadata entry (``last_updated``, ``units``) and the requests it took:
        one listing per release for this source's life, shared by the series that ask."""
        return await self._metadata(spec)

    async def _metadata(self, spec: SeriesSpec) -> tuple[dict[str, Any], int]:
        """The series' metadata entry, and how many requests this series started for it."""
        asked = 0
        if spec.fred_release is not None and shares_release(spec):
            task = self._listings.get(spec.fred_release)
            if task is None:
                task = asyncio.ensure_future(self._listing(spec.fred_release))
                self._listings[spec.fred_release] = task
                asked = 1
            entry = (await task).get(spec.symbol)
            if entry is not None:
                return entry, asked
        return await self.series_entry(spec.symbol, spec.id), asked + 1

    async def series_entry(self, symbol: str, series_id: str) -> dict[str, Any]:
        """``series?series_id=``: one series' metadata entry (one request)."""
        body = await self._get("series", symbol_query(symbol, self._api_key), series_id)
        found = entries(body, series_id)
        if not found:
            raise MalformedResponseError(
                f"fred: {series_id}: series metadata is empty", source=NAME, series_id=series_id
            )
        return found[0]

    async def units(self, symbols: list[str]) -> dict[str, str | LiquidityError]:
        """FRED's ``units`` text of each symbol, or the error met asking for it: the unit
        of a catalog entry that declares none (``compose.fred_units``). One request each,
        at the client's pace."""

        async def one(symbol: str) -> str:
            return units_text(await self.series_entry(symbol, symbol), symbol)

        found = await asyncio.gather(*(one(s) for s in symbols), return_exceptions=True)
        out: dict[str, str | LiquidityError] = {}
        for symbol, got in zip(symbols, found, strict=True):
            if isinstance(got, BaseException) and not isinstance(got, LiquidityError):
                raise got  # a bug, not FRED's answer
            out[symbol] = got
        return out

    async def _listing(self, release_id: int) -> dict[str, dict[str, Any]]:
        """Metadata of our series in one release, by symbol; pages stop once all are seen."""
        wanted = {s.symbol for s in release_members(release_id)}
        label = f"release {release_id} ({', '.join(sorted(wanted))})"  # for errors
        found: dict[str, dict[str, Any]] = {}
        offset = 0
        while True:
            params = release_query(release_id, self._api_key, offset)
            body = await self._get("release/series", params, label)
            page = entries(body, label)
            found.update((str(e.get("id")), e) for e in page if e.get("id") in wanted)
            offset += len(page)
            if wanted <= found.keys() or last_page(
                body, len(page), offset, RELEASE_PAGE_LIMIT, label
            ):
                return found


async def _indexed(
    index: int, job: Coroutine[Any, Any, FetchResult | BaseException]
) -> tuple[int, FetchResult | BaseException]:
    try:
        return index, await job
    except LiquidityError as exc:  # ours: a per-series result; anything else surfaces
        return index, exc


def _outcome(
    request: FetchRequest,
    meta: tuple[dict[str, Any], int],
    values: FetchResult | BaseException | None,
) -> FetchResult | BaseException:
    """One series' outcome (pure): its metadata's error, its unit's, skipped when its
    stamp did not move (no values asked), else its fredgraph values in the registry's
    unit. The rows keep ``fred_csv`` as their source: that is where they came from."""
    entry, asked = meta
    spec = request.spec
    try:
        scale = unit_factor(spec, entry)
    except LiquidityError as exc:
        return exc
    if isinstance(values, BaseException):
        return values
    if values is None:  # the stamp did not move: nothing was asked
        result = FetchResult(series_id=spec.id, source=NAME, skipped_unchanged=True)
    else:
        result = values
        result.source = NAME
        if scale != 1.0:
            result.observations = [replace(o, value=o.value * scale) for o in values.observations]
    result.requests += asked
    result.last_updated = last_updated(entry)
    return result
