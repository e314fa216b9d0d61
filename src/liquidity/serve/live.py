"""Release-window polling: from a little before a release until its value is published.

One window per (source, release) group, started by the scheduler ``lead`` before the
expected instant (``cadence.due``). It polls the group's cheap signal
(``sources.signals``) at the cadence of ``cadence.interval``, with a floor the request
budget sets (windows of one source open together split its polling share; a day of
windows fits its daily ceiling), and collects only when the signal moved. It ends when
every series of the group has the observation due, or at the window's close with one
overdue alert. Polls and collects count in the daily ledger (``budget``); past a
source's ceiling nothing more is asked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from liquidity import clock
from liquidity.catalog.active import SERIES
from liquidity.errors import LiquidityError
from liquidity.serve.budget import FETCH, POLL, Ledger
from liquidity.serve.cadence import Cadence, Due, due, fit_floor, interval, shared_floor

if TYPE_CHECKING:
    from prometheus_client import Histogram

    from liquidity.http import Limits
    from liquidity.models import SeriesState
    from liquidity.pipeline import CollectConfig, CollectReport
    from liquidity.registry import SeriesSpec
    from liquidity.registry.releases import Release
    from liquidity.sources.signals import Signal
    from liquidity.thirdparty.purgatory import AsyncCircuitBreakerFactory

log = logging.getLogger(__name__)
FETCH_RESERVE = 0.2  # of a daily ceiling, kept for collects: polling stops before it


@dataclass(frozen=True, slots=True)
class LiveConfig:
    """Built by ``serve.live_settings.live_config`` from the settings."""

    enabled: bool = True
    cadence: Cadence = field(default_factory=Cadence)
    poll_share: float = 0.25  # of a source's requests per second, for polling
    ceilings: Mapping[str, int] = field(default_factory=dict)  # requests a day per source


# What a window needs of the daemon: collect now (under its lock, with the snapshot
# refreshed after), the stored state per series, whether it may collect, and an alert.
Collect = Callable[[str, Sequence[str]], Awaitable["CollectReport | None"]]
States = Callable[[], Mapping[str, "SeriesState"]]
Alert = Callable[[str, bool, str], Awaitable[None]]


def missing(specs: Sequence[SeriesSpec], states: Mapping[str, SeriesState], d: Due) -> list[str]:
    """The series of a window whose due observation is not stored yet (pure)."""
    out = []
    for spec in specs:
        state = states.get(spec.id)
        if state is None or state.last_date is None or state.last_date < d.observed:
            out.append(spec.id)
    return out


def fetch_estimate(specs: Sequence[SeriesSpec]) -> int:
    """Requests a collect of ``specs`` may take: metadata and a page per series."""
    return 2 * len(specs) + 1


class Windows:
    def __init__(
        self,
        config: LiveConfig,
        collect_config: CollectConfig,
        *,
        collect: Collect,
        states: States,
        alert: Alert,
        delay: Histogram,
        active: Callable[[], bool],
    ) -> None:
        self.config = config
        self.collect_config = collect_config
        self.ledger = Ledger(config.ceilings)
        self.limits: dict[str, Limits] = {}  # shared with the collects (``pipeline.collect``)
        self.breakers: AsyncCircuitBreakerFactory | None = None  # the daemon's, set in ``run``
        self._collect, self._states, self._alert = collect, states, alert
        self._delay, self._active = delay, active
        self.stamps: dict[str, str] = {}  # window name -> last signal seen
        self.open: dict[str, int] = {}  # source -> windows polling now
        self.tasks: set[asyncio.Task[Any]] = set()  # running windows, cancelled at a stop
        self._day_floor: dict[str, float] = {}

    # -- budget ---------------------------------------------------------------------------

    def floor(self, source: str, windows_per_day: int) -> float:
        """Seconds between two polls of one window of ``source`` at the least."""
        c = self.config.cadence
        if source not in self._day_floor:
            ceiling = self.config.ceilings.get(source)
            budget = int(ceiling * (1 - FETCH_RESERVE)) if ceiling is not None else 10**12
            self._day_floor[source] = fit_floor(c, c.floor, windows_per_day, budget)
        rate = self.collect_config.sources[source].policy.requests_per_second
        shared = shared_floor(c, rate, self.config.poll_share, self.open.get(source, 1))
        return max(shared, self._day_floor[source])

    def may_poll(self, source: str, now: datetime) -> bool:
        ceiling = self.config.ceilings.get(source)
        reserve = 0 if ceiling is None else int(ceiling * FETCH_RESERVE)
        return self.ledger.remaining(source, now) > reserve

    def count(self, report: CollectReport | None) -> None:
        """A collect's requests, in the ledger as fetching."""
        if report is not None:
            for source, n in report.requests_by_source.items():
                self.ledger.add(source, FETCH, n, clock.now())

    # -- a window -------------------------------------------------------------------------

    async def run(
        self, name: str, source: str, release: Release, ids: Sequence[str], windows_per_day: int
    ) -> None:
        """Poll until the group's due observation is published, or the window closes."""
        if not self._active():
            return
        window = due(release, clock.now(), self.config.cadence)
        specs = [SERIES[i] for i in ids]
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
        self.open[source] = self.open.get(source, 0) + 1
        try:
            await self._poll(name, source, specs, window, windows_per_day)
        finally:
            self.open[source] -= 1
            self.tasks.discard(task)

    def cancel(self) -> None:
        for task in list(self.tasks):
            task.cancel()

    async def _poll(
        self, name: str, source: str, specs: list[SeriesSpec], window: Due, per_day: int
    ) -> None:
        c = self.config.cadence
        last_poll: datetime | None = None
        if (early := (window.opens(c) - clock.now()).total_seconds()) > 0:
            await clock.sleep(early)  # asked before the window opens: poll from its opening
        while self._active():
            now = clock.now()
            late = missing(specs, self._states(), window)
            if not late:
                await self._alert(f"window:{name}", False, "")
                return
            if now >= window.closes(c) or not self.may_poll(source, now):
                why = "window closed" if now >= window.closes(c) else "daily request budget spent"
                await self._alert(
                    f"window:{name}",
                    True,
                    f"{name} overdue: {', '.join(late)} for {window.observed} "
                    f"not published by {now:%Y-%m-%d %H:%M} UTC ({why})",
                )
                return
            signal = await self._probe(source, specs, window)
            log.debug("%s: polled, signal %s", name, signal.stamp if signal else None)
            if signal is not None and signal.stamp != self.stamps.get(name):
                self.stamps[name] = signal.stamp
                if self.ledger.allows(source, fetch_estimate(specs), clock.now()):
                    await self._fetch(name, late, signal, last_poll or now)
                    last_poll = now
                    continue  # look again at once: did it bring everything?
            last_poll = now
            wait = interval(c, window.at, clock.now(), self.floor(source, per_day))
            await clock.sleep(wait)

    async def _probe(self, source: str, specs: list[SeriesSpec], window: Due) -> Signal | None:
        from liquidity.http import make_breakers
        from liquidity.pipeline import open_source
        from liquidity.sources.signals import probe

        breakers = self.breakers or make_breakers(self.collect_config.breakers)
        async with contextlib.AsyncExitStack() as stack:
            client, built = await open_source(
                self.collect_config, stack, breakers, source, limits=self.limits
            )
            try:
                return await probe(built, specs, window.observed, clock.now())
            except LiquidityError as exc:
                log.warning("%s: polling failed: %s", source, exc)
                return None
            finally:
                self.ledger.add(source, POLL, client.requests, clock.now())

    async def _fetch(
        self, name: str, ids: Sequence[str], signal: Signal, last_poll: datetime
    ) -> None:
        report = await self._collect(f"{name}:window", ids)
        if report is None or report.publish_error:
            return
        published = report.published_at or clock.now()  # no Redis: stored is published
        for s in report.series:
            if s.error is None and s.written.inserted:
                # From the source's own update instant; where it gives none, from the last
                # poll that still saw the old signal (so the delay is never understated).
                since = signal.updated_at.get(s.series_id, last_poll)
                self._delay.labels(s.series_id).observe(
                    max(0.0, (published - since).total_seconds())
                )
