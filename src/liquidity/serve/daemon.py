"""``liquidity serve``: collect on release times, expose metrics and health, raise alerts.

Shaped like arq's worker: signal handlers, a burst mode for tests and cron, one
collect at a time, a crash of one job logged and counted but never fatal. Jobs
come from APScheduler (one per source and release, ``schedule.ReleaseTrigger``).
With live polling (the default) each job is a release window (``serve.live``):
it opens shortly before the release and polls a cheap signal until the value is
published; without it, a job that did not bring the observation due by now
schedules a retry at a widening interval. The store is opened per job, so other
``liquidity`` commands can read a DuckDB file between jobs. With Redis configured, a lease makes one
of several daemons the active collector; the others stand by and take over
within one lease TTL when it dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from liquidity import clock
from liquidity.catalog.active import SERIES
from liquidity.errors import LiquidityError
from liquidity.serve.alerts import Alerts
from liquidity.serve.cadence import due
from liquidity.serve.freshness import expected_latest
from liquidity.serve.live import Windows
from liquidity.serve.metrics import Metrics, Snapshot, freshness_all
from liquidity.serve.schedule import ReleaseTrigger, groups, retry_delay
from liquidity.serve.timed import TimedStore
from liquidity.sources.registry import SOURCES

if TYPE_CHECKING:
    from liquidity.config import Settings
    from liquidity.pipeline import CollectReport
    from liquidity.registry.releases import Release
    from liquidity.serve.freshness import Freshness
    from liquidity.serve.lease import Lease
    from liquidity.thirdparty.purgatory import AsyncCircuitBreakerFactory

log = logging.getLogger(__name__)
STORE_FAILURES_BEFORE_ALERT = 3


class Scheduler(Protocol):
    """What the daemon uses of APScheduler's ``AsyncIOScheduler`` (untyped upstream)."""

    def add_job(
        self, func: Callable[..., Awaitable[None]], trigger: object = None, **options: object
    ) -> object: ...

    def start(self) -> None: ...

    def shutdown(self, wait: bool = True) -> None: ...


class Daemon:
    def __init__(self, settings: Settings) -> None:
        from prometheus_client import CollectorRegistry

        from liquidity import __version__
        from liquidity.compose import collect_config, redis_config, store_config
        from liquidity.serve.live_settings import live_config

        self.settings = settings
        # Each part's own config, from the composition root.
        self.store_config = store_config(settings)
        self.collect_config = collect_config(settings)
        self.redis = redis_config(settings)
        self.snapshot = Snapshot(active=self.redis is None)
        self.registry = CollectorRegistry()
        self.grace = timedelta(seconds=settings.overdue_grace)
        self.metrics = Metrics(
            self.registry, lambda: self.snapshot, grace=self.grace, version=__version__
        )
        self.alerts = Alerts(send=None)
        self.live = live_config(settings)
        self.windows = Windows(
            self.live,
            self.collect_config,
            collect=self.collect_now,
            states=lambda: self.snapshot.states,
            alert=self.alerts.update,
            delay=self.metrics.release_delay,
            active=self._collecting,
        )
        self.stop = asyncio.Event()
        self.lock = asyncio.Lock()
        self.store_failures = 0
        self.jobs_run = 0
        self._breakers: AsyncCircuitBreakerFactory | None = None  # built in ``run``
        self._scheduler: Scheduler | None = None  # started in ``run`` unless burst
        self._jobs: set[asyncio.Task[None]] = set()  # run apart from the loops a stop cancels
        self._windows_now: list[asyncio.Task[None]] = []  # windows open when we started
        self._window_jobs: list[tuple[str, str, Release, list[str], int]] = []

    # -- life cycle ---------------------------------------------------------------------

    async def run(self, *, burst: bool = False) -> int:
        from liquidity.http import close_breakers, make_breakers
        from liquidity.serve.ops_http import ops_app, serve

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop.set)
        server = serve(
            ops_app(self.registry, self.readiness),
            self.settings.metrics_addr,
            self.settings.metrics_port,
        )
        self._breakers = self.windows.breakers = breakers = make_breakers(
            self.collect_config.breakers
        )
        await breakers.initialize()
        async with contextlib.AsyncExitStack() as stack:
            stack.callback(server.shutdown)
            stack.push_async_callback(close_breakers, breakers)
            await self._open_alerts(stack)
            lease = await self._open_lease(stack)
            if burst:
                if await self._keep_lease(lease):
                    await self.job("catch-up", list(SERIES))
                return 0
            scheduler = self._start_scheduler()
            stack.callback(scheduler.shutdown, wait=False)
            tasks = [
                asyncio.create_task(self._lease_loop(lease)),
                asyncio.create_task(self._snapshot_loop()),
            ]
            await self.stop.wait()
            log.info("stopping: finishing the collect in progress")
            self.windows.cancel()
            for task in tasks:
                task.cancel()
            await self._finish_jobs()
        return 0

    def _spawn(self, name: str, ids: Sequence[str]) -> None:
        """A job in a task of its own: cancelling the loop that started it leaves it running."""
        task = asyncio.create_task(self.job(name, ids))
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    async def _finish_jobs(self) -> None:
        """Let the collect in progress finish within the shutdown timeout (each series is
        stored as it arrives, so one cut short keeps what came), then cancel what is left."""
        try:
            async with asyncio.timeout(self.settings.serve_shutdown_timeout):
                if self._jobs:
                    await asyncio.gather(*self._jobs, return_exceptions=True)
                async with self.lock:  # a scheduled job holds it while it collects
                    pass
        except TimeoutError:
            log.warning("stopping: the collect did not finish in time; what arrived is stored")
            for task in list(self._jobs):
                task.cancel()

    async def _open_alerts(self, stack: contextlib.AsyncExitStack) -> None:
        if self.settings.discord_webhook_url is None:
            return
        import httpx

        from liquidity.serve.alerts import discord_sender

        client = await stack.enter_async_context(httpx.AsyncClient(timeout=10.0))
        self.alerts.send = discord_sender(
            self.settings.discord_webhook_url.get_secret_value(), client
        )

    async def _open_lease(self, stack: contextlib.AsyncExitStack) -> Lease | None:
        if self.redis is None:
            return None
        from liquidity.redis_conn import connect
        from liquidity.serve.lease import Lease

        client = connect(self.redis)
        stack.push_async_callback(client.aclose)
        owner = f"{socket.gethostname()}:{os.getpid()}"
        lease = Lease(client, self.redis.lease_key, owner, self.settings.lease_ttl)
        stack.push_async_callback(self._release, lease)
        return lease

    @staticmethod
    async def _release(lease: Lease) -> None:
        with contextlib.suppress(Exception):
            await lease.release()

    def _start_scheduler(self) -> Scheduler:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        scheduler: Scheduler = AsyncIOScheduler(timezone=UTC)
        self._scheduler = scheduler
        now = clock.now()
        interval = self.settings.serve_interval
        grouped = groups(SERIES.values())
        per_day = Counter(source for source, _ in grouped)  # windows of a source in a day
        for (source, release), specs in grouped.items():
            name = f"{source}:{release.name}"
            ids = [s.id for s in specs]
            job: Callable[..., Awaitable[None]] = self.job
            args: list[object] = [name, ids]
            if interval:
                trigger: object = IntervalTrigger(seconds=interval, start_date=now)
            elif self.live.enabled:  # the window opens ``lead`` before the release
                lead = timedelta(seconds=self.live.cadence.lead)
                trigger, job = ReleaseTrigger(release, -lead), self.windows.run
                args = [name, source, release, ids, per_day[source]]
            else:
                trigger = ReleaseTrigger(release)
            scheduler.add_job(
                job,
                trigger,
                args=args,
                id=name,
                name=name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=3600,
            )
            if job == self.windows.run:
                self._window_jobs.append((name, source, release, ids, per_day[source]))
        scheduler.start()
        return scheduler

    def _open_windows_now(self) -> None:
        """Windows already open when this daemon starts collecting (started, or took the
        lease, inside one): their trigger fired before, so they start here."""
        now, cadence = clock.now(), self.live.cadence
        for name, source, release, ids, per_day in self._window_jobs:
            if due(release, now, cadence).opens(cadence) <= now:
                task = asyncio.create_task(self.windows.run(name, source, release, ids, per_day))
                self._windows_now.append(task)

    # -- leadership -----------------------------------------------------------------------

    async def _keep_lease(self, lease: Lease | None) -> bool:
        if lease is None:
            return True
        try:
            held = bool(await lease.keep())
        except Exception as exc:  # Redis down: stop collecting, another daemon may hold it
            log.warning("lease: %s", exc)
            held = False
        if held and not self.snapshot.active:
            log.info("this daemon is now the active collector")
        self.snapshot.active = held
        return held

    async def _lease_loop(self, lease: Lease | None) -> None:
        if lease is None:
            self._spawn("catch-up", list(SERIES))
            self._open_windows_now()
            return
        was_active = False
        while not self.stop.is_set():
            active = await self._keep_lease(lease)
            if active and not was_active:
                self._spawn("catch-up", list(SERIES))
                self._open_windows_now()
            was_active = active
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), self.settings.lease_ttl / 3)

    # -- jobs -----------------------------------------------------------------------------

    def _collecting(self) -> bool:
        return not self.stop.is_set() and self.snapshot.active

    async def job(self, name: str, ids: Sequence[str], attempt: int = 0) -> None:
        await self.collect_now(name, ids)
        self._schedule_retry(name, ids, attempt)

    async def collect_now(self, name: str, ids: Sequence[str]) -> CollectReport | None:
        """One collect under the lock (within each source's daily budget), the snapshot
        refreshed after it."""
        if not self._collecting():
            return None
        async with self.lock:
            if self.stop.is_set():
                return None
            report = None
            ids = self._within_budget(ids)
            try:
                report = await self._collect(name, ids) if ids else None
            except Exception:
                log.exception("job %s failed", name)
                self.metrics.job_failures.labels(name).inc()
            self.windows.count(report)
            self.jobs_run += 1
        await self.refresh(report)
        return report

    def _within_budget(self, ids: Sequence[str]) -> list[str]:
        from liquidity.serve.live import fetch_estimate

        now, kept = clock.now(), []
        for (source, _), specs in groups(SERIES[i] for i in ids).items():
            if self.windows.ledger.allows(source, fetch_estimate(specs), now):
                kept += [s.id for s in specs]
            else:
                log.warning("%s: daily request budget spent; not collecting it today", source)
        return kept

    async def _collect(self, name: str, ids: Sequence[str]) -> CollectReport:
        from liquidity.pipeline import collect
        from liquidity.storage import open_store

        store = open_store(self.store_config)
        try:
            timed = TimedStore(store, self.metrics.store_seconds)
            report = await collect(
                self.collect_config, timed, ids, breakers=self._breakers, limits=self.windows.limits
            )
        finally:
            store.close()
        self.metrics.observe(name, report)
        for failed in report.failures:
            log.warning("%s: %s", failed.series_id, failed.error)
        for line in report.warnings():
            log.warning("%s", line)
        return report

    def _schedule_retry(self, name: str, ids: Sequence[str], attempt: int) -> None:
        """Retry the series whose due observation is still missing, at widening waits."""
        if self._scheduler is None or self.settings.serve_interval or self.stop.is_set():
            return
        if self.live.enabled:  # the release window polls instead
            return
        now = clock.now()
        late = [sid for sid in ids if _late(sid, self.snapshot, now)]
        if not late or attempt >= self.settings.serve_max_retries:
            return
        wait = retry_delay(
            attempt,
            timedelta(seconds=self.settings.serve_retry_first),
            timedelta(seconds=self.settings.serve_retry_cap),
        )
        base = name.split(":retry")[0]
        self._scheduler.add_job(
            self.job, "date", run_date=now + wait, args=[f"{base}:retry", late, attempt + 1]
        )

    # -- state, readiness, alerts --------------------------------------------------------

    async def _snapshot_loop(self) -> None:
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), self.settings.serve_snapshot_interval)
            if not self.stop.is_set() and not self.lock.locked():
                await self.refresh(None)

    async def refresh(self, report: CollectReport | None) -> None:
        from liquidity.storage import open_store
        from liquidity.storage.base import spool_of

        snap = self.snapshot
        try:
            store = open_store(self.store_config)
            try:
                snap.states = store.states()
                spool = spool_of(store)
                snap.spool_rows = spool.spool_depth()[1] if spool is not None else 0
            finally:
                store.close()
            snap.store_up, snap.store_error, self.store_failures = True, None, 0
        except LiquidityError as exc:
            self.store_failures += 1
            snap.store_up, snap.store_error = False, str(exc)
        if (breakers := self._breakers) is not None:  # built in ``run``
            for source in SOURCES:  # every registered source, whether this run used it
                with contextlib.suppress(Exception):
                    breaker = await breakers.get_breaker(source)
                    snap.breakers[source] = breaker.context.state == "opened"
        snap.taken_at = clock.now()
        snap.budget = self.windows.ledger.snapshot(snap.taken_at)
        if snap.active:
            await self._alert(report)

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        snap = self.snapshot
        overdue = [f.series_id for f in freshness_all(snap, clock.now(), self.grace) if f.overdue]
        reasons = [f"store unreachable: {snap.store_error}"] if not snap.store_up else []
        reasons += [f"{sid} overdue" for sid in overdue]
        body = {
            "reasons": reasons,
            "active": snap.active,
            "jobs_run": self.jobs_run,
            "budget": snap.budget,
        }
        return not reasons, body

    async def _alert(self, report: CollectReport | None) -> None:
        snap, now = self.snapshot, clock.now()
        overdue = {
            f"overdue:{f.series_id}": _overdue_text(f)
            for f in freshness_all(snap, now, self.grace)
            if f.overdue
        }
        await self.alerts.sync("overdue:", overdue)
        breakers = {
            f"breaker:{s}": f"circuit breaker open for {s}"
            for s, is_open in snap.breakers.items()
            if is_open
        }
        await self.alerts.sync("breaker:", breakers)
        if report is not None:  # per source that took part in this collect
            failing: dict[str, list[str]] = {}
            for s in report.series:
                failing.setdefault(SERIES[s.series_id].source, [])
                if s.error:
                    failing[SERIES[s.series_id].source].append(s.series_id)
            for src, ids in failing.items():
                text = f"{src} failing for {', '.join(ids)}" if ids else ""
                await self.alerts.update(f"failing:{src}", bool(ids), text)
        store_down = self.store_failures >= STORE_FAILURES_BEFORE_ALERT
        await self.alerts.update("store", store_down, f"store unreachable: {snap.store_error}")
        await self.alerts.update(
            "spool", snap.spool_rows > 0, f"{snap.spool_rows} rows wait in the spool"
        )


def _late(series_id: str, snap: Snapshot, now: datetime) -> bool:
    expected = expected_latest(SERIES[series_id], now)
    state = snap.states.get(series_id)
    last = state.last_date if state is not None else None
    return expected is not None and (last is None or last < expected)


def _overdue_text(f: Freshness) -> str:
    return (
        f"{f.series_id} overdue: expected {f.expected_date} (released "
        f"{f.due_at:%Y-%m-%d %H:%M} UTC), newest stored {f.last_date}"
    )
