"""What every source shares: the request shape and value parsing."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from liquidity.errors import LiquidityError, MalformedResponseError, SourceAPIError, SourceError
from liquidity.models import FetchResult, Observation
from liquidity.registry import SeriesSpec
from liquidity.registry.releases import Release

if TYPE_CHECKING:
    import httpx

    from liquidity.http import SourceClient

MISSING_TOKENS = frozenset({"", ".", "nan", "null", "none", "#n/a"})


@dataclass(frozen=True, slots=True)
class FetchRequest:
    spec: SeriesSpec
    start: date  # first observation date wanted
    last_updated: str | None = None  # the source's stamp stored at the previous fetch


class Source(Protocol):
    """A source. It may also have ``stream(requests, fetched_at)``, an async iterator of
    ``(index, result)`` as each result is known, which the pipeline prefers: it stores
    each series as it comes (keyed FRED uses it)."""

    name: str
    # True: ``fetch`` takes every request of a collect at once (one HTTP request can
    # serve them all); False: the pipeline hands it one request per call.
    batched: bool

    async def fetch(
        self, requests: list[FetchRequest], fetched_at: datetime
    ) -> list[FetchResult | BaseException]:
        """One result (or the error) per request, in the same order."""
        ...


def parse_value(text: str | float | int | None) -> float | None:
    """A number, or ``None`` for the missing markers sources use ('.', '', null)."""
    if text is None:
        return None
    if type(text) is str:  # the common case first: a collect parses tens of thousands
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            pass  # a marker, padding or garbage: the full rule below
        else:
            return None if math.isnan(number) else number
    if isinstance(text, bool) or not isinstance(text, int | float | str):
        # JSON can carry anything: only numbers and number texts are values.
        raise ValueError(f"a value is a {type(text).__name__}, not a number")
    if isinstance(text, int | float):
        value = float(text)
    else:
        stripped = text.strip()
        if stripped.lower() in MISSING_TOKENS:
            return None
        value = float(stripped)  # ValueError: the caller maps it to MalformedResponseError
    return None if math.isnan(value) else value


def observation(
    spec: SeriesSpec,
    day: date,
    value: float,
    *,
    realtime_start: date,
    fetched_at: datetime,
    source: str,
) -> Observation:
    """A row seen without vintage history: known from its estimated first release,
    never later than when we saw it."""
    known_at = _known_at(spec.release, day, fetched_at)
    return Observation(spec.id, day, value, realtime_start, known_at, source)


def first_seen(spec: SeriesSpec, fetched_at: datetime) -> Callable[[date], datetime]:
    """``known_at`` by date of the rows of ``spec`` seen at ``fetched_at`` without vintage
    history (:func:`observation`'s rule), for a column of thousands of dates."""
    release = spec.release
    return lambda day: _known_at(release, day, fetched_at)


def _known_at(release: Release, day: date, fetched_at: datetime) -> datetime:
    """The estimated first release of ``day``, never later than ``fetched_at``."""
    try:
        return min(_first_release(release, day), fetched_at)
    except OverflowError:  # dated at the calendar's end: the gate before the store refuses it
        return fetched_at


# Estimated first releases by release and date: series of one release share their dates,
# and a collect asks for thousands of them; each is worked out once per process. Bounded
# per release (a daemon runs for months): past the bound it starts afresh.
_ESTIMATES: dict[Release, dict[date, datetime]] = {}
_ESTIMATES_PER_RELEASE = 1 << 15  # 32,768 dates: 90 years of days


def _estimates(release: Release) -> dict[date, datetime]:
    found = _ESTIMATES.get(release)
    if found is None or len(found) > _ESTIMATES_PER_RELEASE:
        found = _ESTIMATES[release] = {}
    return found


def _first_release(release: Release, day: date) -> datetime:
    estimates = _estimates(release)
    found = estimates.get(day)
    if found is None:
        found = estimates[day] = release.first_release(day)
    return found


class PerSeriesSource:
    """A source asked once per series, all series concurrently (the rate limiter paces
    them). Subclasses set ``name`` and implement ``_fetch_one``."""

    name: str
    batched = False

    def __init__(self, http: SourceClient, base_url: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")

    async def fetch(
        self, requests: list[FetchRequest], fetched_at: datetime
    ) -> list[FetchResult | BaseException]:
        results = await asyncio.gather(
            *(self._fetch_one(r, fetched_at) for r in requests), return_exceptions=True
        )
        return [only_ours(r) for r in results]

    async def _fetch_one(self, request: FetchRequest, fetched_at: datetime) -> FetchResult:
        raise NotImplementedError


def keep(
    result: FetchResult,
    spec: SeriesSpec,
    day: date,
    value: float | None,
    *,
    realtime_start: date,
    fetched_at: datetime,
) -> None:
    """Add the value as an observation of ``result``, or count it missing."""
    if value is None:
        result.missing += 1
    else:
        result.observations.append(
            observation(
                spec,
                day,
                value,
                realtime_start=realtime_start,
                fetched_at=fetched_at,
                source=result.source,
            )
        )


def malformed(source: str, series_id: str, what: str, exc: Exception) -> MalformedResponseError:
    """The error for a body that does not have the documented shape. ("unexpected" is
    kept for our own bugs: a bad answer is the source's fault, said in its terms.)"""
    return MalformedResponseError(
        f"{source}: {series_id}: malformed {what}: {_why(exc)}",
        source=source,
        series_id=series_id,
    )


def _why(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"no field {exc.args[0]!r}" if exc.args else "a field is missing"
    if isinstance(exc, TypeError):
        return "a field or list has the wrong type"
    return str(exc) or type(exc).__name__


def only_ours(result: FetchResult | BaseException) -> FetchResult | BaseException:
    """Our own errors become per-series results; anything else is a bug and must surface."""
    if isinstance(result, BaseException) and not isinstance(result, LiquidityError):
        raise result
    return result


# Reads a source's own error body (FRED's ``error_message``, Yahoo's ``chart.error``):
# given the parsed body (None if not JSON), the HTTP status and the series, the typed
# error it describes, or None when the body reports no error.
ErrorReader = Callable[[Any, int, str], SourceError | None]


def status_error(
    response: httpx.Response,
    source: str,
    series_id: str,
    detail: str = "",
    *,
    label: str | None = None,
) -> SourceAPIError | None:
    """The one rule for every source: an answer that is not 2xx is a refusal (5xx and 429
    never get here: the HTTP client retries them). None for a 2xx answer. ``label``
    names what was asked in the message when that is more than one series."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    suffix = f": {detail}" if detail else ""
    return SourceAPIError(
        f"{source}: {label or series_id}: HTTP {status}{suffix}",
        source=source,
        series_id=series_id,
    )


def decode_json(
    response: httpx.Response,
    source: str,
    series_id: str,
    read_error: ErrorReader | None = None,
    *,
    what: str = "a JSON object",
) -> dict[str, Any]:
    """The JSON object of a good answer, else the typed error: the source's error body
    first (its own words), then the status, then the shape (``what`` names the object
    expected, for the message)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        body, what = None, "JSON"
    error = read_error(body, response.status_code, series_id) if read_error else None
    if error is None:
        error = status_error(response, source, series_id)
    if error is not None:
        raise error
    if not isinstance(body, dict):
        raise MalformedResponseError(
            f"{source}: {series_id}: HTTP {response.status_code}, body is not {what}",
            source=source,
            series_id=series_id,
        )
    return body
