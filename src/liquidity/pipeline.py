"""One collect: plan requests from what is stored, fetch concurrently, store, report.

Each series is written in its own transaction as soon as its data arrives, so
a failure (or a kill) never loses what already succeeded; an incremental run
starts ``lookback_days`` before the last stored date, which both picks up
revisions and closes any gap a killed run left.

With Redis configured, the collect ends by publishing what the store now has and
Redis has not seen (``publish``): a Redis failure is reported in the report, never
fatal, and the backlog waits behind the store's cursor for the next run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from liquidity import clock
from liquidity.catalog.active import SERIES, get
from liquidity.errors import ConfigError, LiquidityError
from liquidity.http import (
    BreakerConfig,
    Limits,
    SourceClient,
    close_breakers,
    make_breakers,
    make_client,
)
from liquidity.models import FetchResult, SeriesState, WriteResult
from liquidity.redaction import Redactor
from liquidity.registry import SeriesSpec
from liquidity.sources.base import FetchRequest, Source

Fetched = FetchResult | BaseException  # a source's result for one request, or its error

if TYPE_CHECKING:
    from purgatory import AsyncCircuitBreakerFactory

    from liquidity.publish.redis import PublishConfig
    from liquidity.sources.registry import SourceConfig
    from liquidity.storage.base import Store


@dataclass(frozen=True, slots=True)
class CollectConfig:
    """What a collect needs, built from the settings by ``liquidity.compose``."""

    start: date  # the first date of a series with nothing stored
    lookback_days: int  # re-fetch overlap for revisions
    sources: Mapping[str, SourceConfig]  # by source name
    breakers: BreakerConfig
    publish: PublishConfig | None = None  # None: no Redis, nothing published
    secrets: tuple[str, ...] = ()  # masked in every error the report carries

    @property
    def keyed(self) -> bool:
        """Whether FRED has an API key: its answers carry stamps, ALFRED's vintages."""
        fred = self.sources.get("fred")
        return fred is not None and fred.api_key is not None


@dataclass(slots=True)
class SeriesReport:
    series_id: str
    source: str
    written: WriteResult = field(default_factory=WriteResult)
    last_date: date | None = None
    missing: int = 0
    skipped_unchanged: bool = False
    error: str | None = None
    nonfinite: int = 0  # rejected: not a finite number
    future: list[date] = field(default_factory=list)  # rejected: not publishable yet
    conflicts: int = 0  # one date twice with different values in one answer (last kept)
    negative: list[date] = field(default_factory=list)  # stored, but cannot be negative

    @property
    def rejected(self) -> int:
        return self.nonfinite + len(self.future)

    def warnings(self) -> list[str]:
        """A line for each kind of value that was refused or looks wrong."""
        sid, lines = self.series_id, []
        if self.nonfinite:
            lines.append(f"{sid}: {self.nonfinite} values rejected: not finite numbers")
        if self.future:
            lines.append(
                f"{sid}: {len(self.future)} values rejected: dated {_dates(self.future)}, "
                "later than its release calendar allows by now"
            )
        if self.conflicts:
            lines.append(
                f"{sid}: {self.conflicts} dates came twice with different values in one "
                "answer; the last of each was kept"
            )
        if self.negative:
            lines.append(
                f"{sid}: negative values stored on {_dates(self.negative)} "
                "(it cannot be negative: a source error?)"
            )
        return lines


@dataclass(slots=True)
class CollectReport:
    series: list[SeriesReport]
    requests: int = 0
    retries: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0
    by_source: dict[str, dict[int, int]] = field(default_factory=dict)  # HTTP statuses
    requests_by_source: dict[str, int] = field(default_factory=dict)  # sent, retries included
    retries_by_source: dict[str, int] = field(default_factory=dict)
    latencies_by_source: dict[str, list[float]] = field(default_factory=dict)  # seconds
    published: int = 0  # messages Redis newly took (series and Net Liquidity)
    publish_error: str | None = None  # Redis failed: the changes stay behind the cursor
    published_at: datetime | None = None  # when Redis took this collect's messages

    @property
    def failures(self) -> list[SeriesReport]:
        return [s for s in self.series if s.error is not None]

    def warnings(self) -> list[str]:
        return [line for s in self.series if s.error is None for line in s.warnings()]


def _dates(days: list[date]) -> str:
    shown = ", ".join(d.isoformat() for d in days[:3])
    return shown if len(days) <= 3 else f"{shown} and {len(days) - 3} more"


def plan(
    specs: Sequence[SeriesSpec],
    states: dict[str, SeriesState],
    config: CollectConfig,
    start: date | None,
    keyed: bool,
) -> list[FetchRequest]:
    """What to ask each source for (pure): from ``start``, else the last stored date
    minus the lookback, else the configured first date."""
    requests = []
    for spec in specs:
        state = states.get(spec.id)
        if start is not None:
            first = start
        elif state is not None and state.last_date is not None:
            # A stored row dated in the future must never move the start past today.
            last = min(state.last_date, clock.today())
            first = last - timedelta(days=config.lookback_days)
        else:
            first = config.start
        # The skip-if-unchanged stamp only holds for an incremental run.
        stamp = state.last_updated if state is not None and start is None and keyed else None
        requests.append(FetchRequest(spec, first, stamp))
    return requests


async def _open_sources(
    config: CollectConfig,
    stack: AsyncExitStack,
    breakers: AsyncCircuitBreakerFactory,
    needed: set[str],
    vintages: bool = False,
    limits: dict[str, Limits] | None = None,
) -> tuple[dict[str, Source], list[SourceClient]]:
    """A client and source for each source in ``needed``, and no others (each source's
    module is imported only here, when it is needed)."""
    from liquidity.sources.registry import SOURCES

    clients = []
    sources: dict[str, Source] = {}
    # In the registry's order, so reports and metrics list sources alike each run; an
    # unknown name (last) is a ConfigError from ``entry``, never silently skipped.
    for name in [n for n in SOURCES if n in needed] + sorted(needed - SOURCES.keys()):
        client, sources[name] = await open_source(config, stack, breakers, name, vintages, limits)
        clients.append(client)
    return sources, clients


async def open_source(
    config: CollectConfig,
    stack: AsyncExitStack,
    breakers: AsyncCircuitBreakerFactory,
    name: str,
    vintages: bool = False,
    limits: dict[str, Limits] | None = None,
) -> tuple[SourceClient, Source]:
    """Source ``name`` and its client, closed with ``stack``; with ``limits`` (by source)
    its rate limiters are the shared ones (made on first use)."""
    from liquidity.sources.registry import entry

    source = entry(name)
    own = config.sources.get(name)
    if own is None:
        raise ConfigError(f"source {name!r} has no configuration (liquidity.compose)")
    shared = None if limits is None else limits.setdefault(name, Limits(own.policy))
    http = await stack.enter_async_context(make_client(own.policy))
    client = SourceClient(name, http, own.policy, breakers, shared)
    return client, source.build(client, own, vintages=vintages)


async def collect(
    config: CollectConfig,
    store: Store,
    series_ids: Sequence[str] | None = None,
    *,
    start: date | None = None,
    on_progress: Callable[[SeriesReport], None] | None = None,
    breakers: AsyncCircuitBreakerFactory | None = None,
    vintages: bool = False,
    limits: dict[str, Limits] | None = None,
    writer_thread: bool = False,
) -> CollectReport:
    """Fetch, store and report. ``vintages``: FRED series come with every ALFRED
    vintage (needs an API key), from ``start`` or the configured first date. ``limits``:
    rate limiters shared with whatever else the process asks (the daemon's polls).
    ``writer_thread``: the store is written from one thread of its own, one series after
    the other in the order they came, so the event loop keeps reading answers meanwhile
    (a write that blocked it would hold a rate-limit slot until its answer is read, and
    delay every later request); only for a caller that touches the store nowhere else
    until the collect returns (the CLI)."""
    began = time.perf_counter()
    if vintages:
        if not config.keyed:
            raise ConfigError("--vintages needs LIQUIDITY_FRED_API_KEY: ALFRED is API-only")
        start = start or config.start
    specs = [get(s) for s in series_ids] if series_ids else list(SERIES.values())
    redact = Redactor(list(config.secrets))
    states = store.states()
    requests = plan(specs, states, config, start, config.keyed)
    reports: list[SeriesReport] = []
    own_breakers = breakers is None
    breakers = breakers or make_breakers(config.breakers)
    await breakers.initialize()
    async with AsyncExitStack() as stack:
        if own_breakers:
            stack.push_async_callback(close_breakers, breakers)
        needed = {r.spec.source for r in requests}
        sources, clients = await _open_sources(config, stack, breakers, needed, vintages, limits)

        def store_one(fetched_at: datetime, request: FetchRequest, result: Fetched) -> None:
            report = _store(store, request, result, fetched_at, redact)
            report.last_date = _last_date(states.get(report.series_id), result, report)
            reports.append(report)
            if on_progress is not None:
                on_progress(report)

        writes: list[asyncio.Future[None]] = []
        stored: Callable[[datetime, FetchRequest, Fetched], asyncio.Future[None] | None]
        if writer_thread:
            from concurrent.futures import ThreadPoolExecutor

            # One worker: the writes keep their order, and never overlap.
            pool = stack.enter_context(ThreadPoolExecutor(1, "liquidity-store"))
            loop = asyncio.get_running_loop()

            def in_thread(
                fetched_at: datetime, request: FetchRequest, result: Fetched
            ) -> asyncio.Future[None]:
                writes.append(loop.run_in_executor(pool, store_one, fetched_at, request, result))
                return writes[-1]

            stored = in_thread

        else:
            # Synchronous: one series' write runs whole between two awaits of the fetches.
            stored = store_one

        tasks = []
        for name, source in sources.items():
            mine = [r for r in requests if r.spec.source == name]
            batches = [mine] if source.batched else [[r] for r in mine]
            tasks += [asyncio.create_task(_fetch(source, b, stored)) for b in batches if b]
        try:
            for done in asyncio.as_completed(tasks):
                await done  # a bug in a source surfaces here
        finally:
            # Every write handed over is finished before the store may be closed.
            await asyncio.gather(*writes, return_exceptions=True)
        for write in writes:
            write.result()  # a bug in a write surfaces here
    order = {spec.id: i for i, spec in enumerate(specs)}
    reports.sort(key=lambda r: order[r.series_id])
    summary = CollectReport(reports, elapsed=time.perf_counter() - began)
    for c in clients:
        summary.requests += c.requests
        summary.retries += c.retries
        summary.by_source[c.source] = dict(c.statuses)
        summary.requests_by_source[c.source] = c.requests
        summary.retries_by_source[c.source] = c.retries
        summary.latencies_by_source[c.source] = list(c.latencies)
        for status, n in c.statuses.items():
            summary.statuses[status] = summary.statuses.get(status, 0) + n
    if config.publish is not None:
        await _publish(config.publish, store, summary, redact)
    return summary


async def _publish(
    config: PublishConfig, store: Store, summary: CollectReport, redact: Redactor
) -> None:
    """After the store has the data: publish every change since the cursor (any run's)."""
    from liquidity.publish.redis import publish_pending

    try:
        summary.published = (await publish_pending(config, store)).added
        summary.published_at = clock.now()
    except LiquidityError as exc:  # PublishError, or the store failing to give its feed
        summary.publish_error = redact(str(exc))


async def _fetch(
    source: Source,
    batch: list[FetchRequest],
    stored: Callable[[datetime, FetchRequest, Fetched], asyncio.Future[None] | None],
) -> None:
    """Fetch a batch and hand each result on as soon as it is there: a source with a
    ``stream`` gives them one by one (keyed FRED: a series whose metadata came first is
    stored while the others wait for their turn under the rate limit)."""
    fetched_at = clock.now()
    stream = getattr(source, "stream", None)
    if stream is None:
        results = await source.fetch(batch, fetched_at)
        for request, result in zip(batch, results, strict=True):
            stored(fetched_at, request, result)
        return
    streamed: AsyncIterator[tuple[int, Fetched]] = stream(batch, fetched_at)
    written: asyncio.Future[None] | None = None
    async for index, result in streamed:
        if written is not None:
            # Written elsewhere (a thread): the one before is stored before this one is
            # handed over, so a source that builds results on demand (fredgraph.csv)
            # holds the rows of two series at most, not of all of them.
            await asyncio.wait([written])
        written = stored(fetched_at, batch[index], result)


def _store(
    store: Store,
    request: FetchRequest,
    result: FetchResult | BaseException,
    fetched_at: datetime,
    redact: Redactor,
) -> SeriesReport:
    spec = request.spec
    report = SeriesReport(spec.id, spec.source)
    try:
        if isinstance(result, BaseException):
            raise result
        report.source = result.source
        report.missing = result.missing
        report.skipped_unchanged = result.skipped_unchanged
        _vet(spec, result, fetched_at, report)
        # Without vintages, a changed value became known when we saw it.
        seen = None if result.vintaged else fetched_at
        report.written = store.write(result.observations, revision_known_at=seen)
        store.record_fetch(spec.id, fetched_at, last_updated=result.last_updated)
    except LiquidityError as exc:
        report.error = redact(str(exc))
        with suppress(LiquidityError):  # the store itself may be failing: the report says so
            store.record_fetch(spec.id, fetched_at, error=report.error)
    return report


def _vet(spec: SeriesSpec, result: FetchResult, fetched_at: datetime, report: SeriesReport) -> None:
    """Only what can be true goes on to the store; the report says what did not."""
    from liquidity.vetting import vet

    vetted = vet(spec, result.observations, fetched_at)
    result.observations = vetted.observations
    report.nonfinite, report.future = vetted.nonfinite, vetted.future
    report.conflicts, report.negative = vetted.conflicts, vetted.negative


def _last_date(
    state: SeriesState | None, result: FetchResult | BaseException, report: SeriesReport
) -> date | None:
    dates = [state.last_date] if state is not None and state.last_date is not None else []
    if isinstance(result, FetchResult) and result.observations and report.error is None:
        dates.append(max(o.date for o in result.observations))
    return max(dates, default=None)


def fred_units(
    source: SourceConfig, breakers: BreakerConfig, symbols: Sequence[str]
) -> dict[str, str | LiquidityError]:
    """FRED's ``units`` text of each symbol (its ``series`` metadata, through the one HTTP
    path: FRED's pace, retries, breaker, masking), or the error met asking: the unit of a
    catalog entry that declares none (``compose.fred_units``). Runs its own event loop,
    in a thread of its own when the caller already runs one (the API in a notebook)."""
    if source.api_key is None:
        raise ConfigError("FRED's metadata needs LIQUIDITY_FRED_API_KEY")
    work = _fred_units(source, source.api_key.get_secret_value(), breakers, list(symbols))
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


async def _fred_units(
    source: SourceConfig, key: str, breakers: BreakerConfig, symbols: list[str]
) -> dict[str, str | LiquidityError]:
    from liquidity.sources.fred_api import FredApiSource

    factory = make_breakers(breakers)
    await factory.initialize()
    try:
        async with make_client(source.policy) as http:
            client = SourceClient("fred", http, source.policy, factory)
            # Only metadata is asked here; the values URL is never used.
            fred = FredApiSource(client, source.url, key, graph_url=source.values_url or "")
            return await fred.units(symbols)
    finally:
        await close_breakers(factory)
