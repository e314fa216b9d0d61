"""HTTP for every source, in one place: client factory, rate limit, retry, breaker.

A request goes: wait for any server-imposed pause (``Retry-After``) -> circuit
breaker -> rate limiter (requests per second and per minute, see ``ratelimit``)
-> httpx.
Transient failures (429, 5xx, timeouts, connection errors) are retried by
tenacity with exponential backoff and jitter, or after ``Retry-After`` when the
server gives one, each wait capped. URLs in errors and logs are redacted.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from typing import TYPE_CHECKING

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from liquidity import clock
from liquidity.errors import (
    LiquidityError,
    RateLimitedError,
    SourceError,
    SourceTransientError,
    SourceUnavailableError,
    TransientError,
)
from liquidity.ratelimit import WindowLimiter
from liquidity.redaction import redact_url
from liquidity.thirdparty.purgatory import AsyncCircuitBreakerFactory, OpenedState

if TYPE_CHECKING:
    from liquidity.redis_conn import RedisConfig

log = logging.getLogger(__name__)

_ENCODED = frozenset({"content-encoding", "content-length", "transfer-encoding"})


@dataclass(frozen=True, slots=True)
class HttpPolicy:
    """One source's HTTP behaviour: its own limits, the shared timeouts, retries and size
    cap (``liquidity.compose`` builds it from the settings and the source's limits)."""

    requests_per_second: float
    requests_per_minute: float
    timeout: float
    attempts: int
    initial_wait: float
    max_wait: float
    user_agent: str = "liquidity (+https://github.com/liquidity)"
    max_response_bytes: int = 32 * 2**20


@dataclass(frozen=True, slots=True)
class BreakerConfig:
    threshold: int  # failures that open a source's breaker
    ttl: float  # seconds it stays open
    redis: RedisConfig | None = None  # where the state is shared; None: this process only


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or clock.now())).total_seconds())


def _breaker_ignores(exc: BaseException) -> bool:
    # Only a source that is down should open the breaker: not a bad request, not a 429.
    return not isinstance(exc, TransientError) or isinstance(exc, RateLimitedError)


class Limits:
    """A source's limiters (per second, per minute). One per client by default; a process
    that talks to a source from several places at once (the daemon: collects and polls)
    shares one, so the source sees its limit whatever asks."""

    def __init__(self, policy: HttpPolicy) -> None:
        self.per_second = WindowLimiter.per_second(policy.requests_per_second)
        self.per_minute = WindowLimiter.per_second(policy.requests_per_minute / 60.0, 60.0)


class SourceClient:
    """Rate-limited, retried, breaker-guarded GETs for one source."""

    def __init__(
        self,
        source: str,
        client: httpx.AsyncClient,
        policy: HttpPolicy,
        breakers: AsyncCircuitBreakerFactory,
        limits: Limits | None = None,
    ) -> None:
        self.source = source
        self.client = client
        self.policy = policy
        self.breakers = breakers
        limits = limits or Limits(policy)
        self._per_second, self._per_minute = limits.per_second, limits.per_minute
        self._resume_at = 0.0  # monotonic time before which no request may go (Retry-After)
        self._backoff = wait_exponential_jitter(
            multiplier=policy.initial_wait, max=policy.max_wait, jitter=policy.initial_wait
        )
        self.requests = 0
        self.retries = 0
        self.statuses: dict[int, int] = {}
        self.latencies: list[float] = []  # seconds per answered request, for metrics

    async def get(
        self, url: str, params: Mapping[str, str] | None = None, *, series_id: str = ""
    ) -> httpx.Response:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.policy.attempts),
            wait=self._wait,
            retry=retry_if_exception_type(SourceTransientError),
            before_sleep=self._before_sleep,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._attempt(url, params, series_id)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(
        self, url: str, params: Mapping[str, str] | None, series_id: str
    ) -> httpx.Response:
        try:
            breaker = await self.breakers.get_breaker(
                self.source, exclude=[(LiquidityError, _breaker_ignores)]
            )
            async with breaker, self._per_minute.slot(), self._per_second.slot():
                # Checked once the slot is ours: a request that queued on the limiter
                # before a 429 arrived must still wait out its Retry-After (a deadline
                # that a further 429 may move, so re-read after each sleep).
                while (pause := self._resume_at - time.monotonic()) > 0:  # noqa: ASYNC110
                    await asyncio.sleep(pause)
                return await self._send(url, params, series_id)
        except OpenedState:
            raise SourceUnavailableError(
                f"{self.source}: circuit breaker open after repeated failures; not calling it "
                "for now",
                source=self.source,
                series_id=series_id,
            ) from None

    async def _send(
        self, url: str, params: Mapping[str, str] | None, series_id: str
    ) -> httpx.Response:
        self.requests += 1
        request = self.client.build_request("GET", url, params=params)
        where = redact_url(request.url)
        began = time.monotonic()
        try:
            response = await self._receive(request, where, series_id)
        except httpx.TransportError as exc:  # timeouts included
            why = (
                f"timed out after {self.policy.timeout:g}s"
                if isinstance(exc, httpx.TimeoutException)
                else f"connection failed ({type(exc).__name__})"
            )
            raise SourceTransientError(
                f"{self.source}: {why}: {where}", source=self.source, series_id=series_id
            ) from exc
        self.latencies.append(time.monotonic() - began)
        status = response.status_code
        self.statuses[status] = self.statuses.get(status, 0) + 1
        log.debug("%s %s -> %s", self.source, where, status)
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None:
                pause = min(retry_after, self.policy.max_wait)
                self._resume_at = max(self._resume_at, time.monotonic() + pause)
            raise RateLimitedError(
                f"{self.source}: HTTP 429 rate limited: {where}",
                source=self.source,
                series_id=series_id,
                retry_after=retry_after,
            )
        if status >= 500:
            raise SourceTransientError(
                f"{self.source}: HTTP {status}: {where}",
                source=self.source,
                series_id=series_id,
                status_code=status,
            )
        return response

    async def _receive(self, request: httpx.Request, where: str, series_id: str) -> httpx.Response:
        """The answer, read as it streams and refused once it passes the size cap."""
        cap = self.policy.max_response_bytes
        response = await self.client.send(request, stream=True)
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > cap:
                raise self._too_large(declared + " bytes declared", where, series_id)
            body = bytearray()
            async for chunk in response.aiter_bytes():  # decoded: a gzip bomb counts in full
                body += chunk
                if len(body) > cap:
                    raise self._too_large(f"over {len(body)} bytes", where, series_id)
        finally:
            await response.aclose()
        # The body is decoded already: the new response must not decode it again.
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _ENCODED]
        return httpx.Response(
            response.status_code, headers=headers, content=bytes(body), request=request
        )

    def _too_large(self, size: str, where: str, series_id: str) -> SourceError:
        cap_mb = self.policy.max_response_bytes / 2**20
        return SourceError(
            f"{self.source}: answer too large ({size}, cap {cap_mb:g} MB: "
            f"LIQUIDITY_HTTP_MAX_RESPONSE_MB); refused: {where}",
            source=self.source,
            series_id=series_id,
        )

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            return min(exc.retry_after, self.policy.max_wait)
        return min(self._backoff(state), self.policy.max_wait)

    def _before_sleep(self, state: RetryCallState) -> None:
        self.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        log.info("retrying %s after: %s", self.source, exc)


@cache
def tls_context() -> ssl.SSLContext:
    """httpx's default verification (certifi, or SSL_CERT_FILE/DIR), built once a process:
    loading the CA bundle costs ~20 ms a client, and a collect opens one per source."""
    return httpx.create_ssl_context()


def make_client(policy: HttpPolicy) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        verify=tls_context(),
        timeout=httpx.Timeout(policy.timeout),
        headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip"},
        follow_redirects=True,
    )


def make_breakers(config: BreakerConfig) -> AsyncCircuitBreakerFactory:
    """Breakers per source; with Redis configured their state is shared (``breakers``)."""
    uow = None
    if config.redis is not None:
        from liquidity.breakers import SharedUnitOfWork

        uow = SharedUnitOfWork(config.redis)
    return AsyncCircuitBreakerFactory(
        default_threshold=config.threshold, default_ttl=config.ttl, uow=uow
    )


async def close_breakers(breakers: AsyncCircuitBreakerFactory) -> None:
    """Release the Redis connection of shared breakers (nothing to do in memory)."""
    from liquidity.breakers import SharedUnitOfWork

    if isinstance(breakers.uow, SharedUnitOfWork):
        await breakers.uow.close()
