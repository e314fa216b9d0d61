"""Prometheus metrics of the daemon.

Counters and histograms are fed from each collect's report (``observe``);
freshness is computed at scrape time by ``FreshnessCollector`` from the last
snapshot of the store (taken by the daemon after every job and every few
seconds), the registry's release rules and the scrape's own clock. The registry
is passed in, so tests use a fresh ``CollectorRegistry``. No label or value
ever carries a secret: labels are series ids, source names and HTTP statuses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, Info
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from liquidity.catalog.active import SERIES
from liquidity.clock import now
from liquidity.serve.freshness import Freshness, freshness

if TYPE_CHECKING:
    from liquidity.models import SeriesState
    from liquidity.pipeline import CollectReport

P = "liquidity_"
# Every metric name, defined once (dashboards and alert rules use these).
OBSERVATION_AGE = P + "series_observation_age_seconds"
FETCH_AGE = P + "series_last_success_age_seconds"
OVERDUE = P + "series_overdue"
EXPECTED_DATE = P + "series_expected_date_timestamp_seconds"
LAST_DATE = P + "series_last_date_timestamp_seconds"
SPOOL_ROWS = P + "spool_rows"
STORE_UP = P + "store_up"
ACTIVE = P + "active_collector"
BREAKER_OPEN = P + "breaker_open"
REQUESTS = P + "requests"  # counter: exposed as liquidity_requests_total
RETRIES = P + "retries"
ROWS = P + "rows_written"
MISSING = P + "missing_values"
REJECTED = P + "rejected_values"
FETCH_ERRORS = P + "fetch_errors"
PUBLISHED = P + "published_messages"
PUBLISH_FAILURES = P + "publish_failures"
JOB_FAILURES = P + "job_failures"
COLLECT_SECONDS = P + "collect_duration_seconds"
STORE_SECONDS = P + "store_write_duration_seconds"
FETCH_SECONDS = P + "fetch_duration_seconds"
RELEASE_DELAY = P + "release_delay_seconds"
REQUESTS_TODAY = P + "requests_today"
REQUEST_BUDGET = P + "request_budget"
BUILD = P + "build"


@dataclass
class Snapshot:
    """What the daemon last saw of its store and breakers."""

    states: dict[str, SeriesState] = field(default_factory=dict)
    store_up: bool = True
    store_error: str | None = None
    spool_rows: int = 0
    breakers: dict[str, bool] = field(default_factory=dict)  # source -> open
    active: bool = True  # holds the collector lease (or runs alone)
    taken_at: datetime | None = None
    # Per source: requests today by kind ("poll", "fetch") and the daily "ceiling".
    budget: dict[str, dict[str, int | None]] = field(default_factory=dict)


def freshness_all(snapshot: Snapshot, now: datetime, grace: timedelta) -> list[Freshness]:
    return [freshness(spec, snapshot.states.get(sid), now, grace) for sid, spec in SERIES.items()]


class FreshnessCollector(Collector):
    def __init__(
        self, snapshot: Callable[[], Snapshot], grace: timedelta, clock: Callable[[], datetime]
    ) -> None:
        self._snapshot = snapshot
        self._grace = grace
        self._clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snap = self._snapshot()
        rows = freshness_all(snap, self._clock(), self._grace)
        families = {
            OBSERVATION_AGE: "Seconds since the date of the newest stored observation.",
            FETCH_AGE: "Seconds since the last successful fetch of the series.",
            OVERDUE: "1 when the observation due by now is missing past the grace period.",
            EXPECTED_DATE: "Date of the newest observation that should be public (unix time).",
            LAST_DATE: "Date of the newest stored observation (unix time).",
        }
        out = {
            name: GaugeMetricFamily(name, text, labels=["series"])
            for name, text in families.items()
        }
        for f in rows:
            values = {
                OBSERVATION_AGE: f.observation_age,
                FETCH_AGE: f.fetch_age,
                OVERDUE: float(f.overdue),
                EXPECTED_DATE: _day(f.expected_date),
                LAST_DATE: _day(f.last_date),
            }
            for name, value in values.items():
                if value is not None:
                    out[name].add_metric([f.series_id], value)
        yield from out.values()
        yield GaugeMetricFamily(
            SPOOL_ROWS, "Rows waiting in the local spool.", value=snap.spool_rows
        )
        yield GaugeMetricFamily(STORE_UP, "1 when the store answered.", value=float(snap.store_up))
        yield GaugeMetricFamily(
            ACTIVE, "1 when this daemon is the active collector.", value=float(snap.active)
        )
        breaker = GaugeMetricFamily(
            BREAKER_OPEN, "1 when the source's breaker is open.", labels=["source"]
        )
        for source, is_open in sorted(snap.breakers.items()):
            breaker.add_metric([source], float(is_open))
        yield breaker
        yield from _budget(snap)


def _budget(snap: Snapshot) -> Iterator[GaugeMetricFamily]:
    used = GaugeMetricFamily(
        REQUESTS_TODAY,
        "Requests to the source today (New York day), "
        "by kind: poll (signals) or fetch (observations).",
        labels=["source", "kind"],
    )
    ceiling = GaugeMetricFamily(
        REQUEST_BUDGET, "The daily request ceiling of the source.", labels=["source"]
    )
    for source, row in sorted(snap.budget.items()):
        for kind in ("poll", "fetch"):
            used.add_metric([source, kind], float(row.get(kind) or 0))
        if row.get("ceiling") is not None:
            ceiling.add_metric([source], float(row["ceiling"] or 0))
    yield used
    yield ceiling


def _day(day: object) -> float | None:
    if day is None:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()  # type: ignore[attr-defined]


class Metrics:
    def __init__(
        self,
        registry: CollectorRegistry,
        snapshot: Callable[[], Snapshot],
        *,
        grace: timedelta,
        clock: Callable[[], datetime] = now,
        version: str = "0",
    ) -> None:
        r = registry
        self.requests = Counter(
            REQUESTS, "HTTP responses by source and status.", ["source", "status"], registry=r
        )
        self.retries = Counter(RETRIES, "Retried requests by source.", ["source"], registry=r)
        self.rows = Counter(
            ROWS,
            "Rows written by series and kind (new, revised, spooled).",
            ["series", "kind"],
            registry=r,
        )
        self.missing = Counter(MISSING, "Missing values skipped.", ["series"], registry=r)
        self.rejected = Counter(
            REJECTED,
            "Values refused before the store (not finite, or dated in the future).",
            ["series", "reason"],
            registry=r,
        )
        self.fetch_errors = Counter(FETCH_ERRORS, "Failed fetches.", ["series"], registry=r)
        self.published = Counter(PUBLISHED, "Messages newly published to Redis.", registry=r)
        self.publish_failures = Counter(PUBLISH_FAILURES, "Failed publishes.", registry=r)
        self.job_failures = Counter(JOB_FAILURES, "Jobs that raised.", ["job"], registry=r)
        self.collect_seconds = Histogram(
            COLLECT_SECONDS,
            "Duration of a collect job.",
            ["job"],
            registry=r,
            buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300),
        )
        self.store_seconds = Histogram(
            STORE_SECONDS,
            "Duration of one store write.",
            registry=r,
            buckets=(0.005, 0.02, 0.1, 0.5, 2, 10),
        )
        self.fetch_seconds = Histogram(
            FETCH_SECONDS,
            "Duration of one HTTP request, by source.",
            ["source"],
            registry=r,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.release_delay = Histogram(
            RELEASE_DELAY,
            "Seconds from the source's own update instant (FRED last_updated, "
            "NY Fed lastUpdated; else the last poll that saw the old data) to publication.",
            ["series"],
            registry=r,
            buckets=(1, 2.5, 5, 10, 15, 20, 30, 45, 60, 120, 300, 900),
        )
        Info(BUILD, "Build information.", registry=r).info({"version": version})
        registry.register(FreshnessCollector(snapshot, grace, clock))

    def observe(self, job: str, report: CollectReport) -> None:
        for source, statuses in report.by_source.items():
            for status, n in statuses.items():
                self.requests.labels(source, str(status)).inc(n)
        for source, seconds in report.latencies_by_source.items():
            for value in seconds:
                self.fetch_seconds.labels(source).observe(value)
        for source, n in report.retries_by_source.items():
            if n:
                self.retries.labels(source).inc(n)
        for s in report.series:
            for kind in ("inserted", "revised", "spooled"):
                n = getattr(s.written, kind)
                if n:
                    self.rows.labels(s.series_id, "new" if kind == "inserted" else kind).inc(n)
            if s.missing:
                self.missing.labels(s.series_id).inc(s.missing)
            for reason, n in (("nonfinite", s.nonfinite), ("future", len(s.future))):
                if n:
                    self.rejected.labels(s.series_id, reason).inc(n)
            if s.error:
                self.fetch_errors.labels(s.series_id).inc()
        if report.published:
            self.published.inc(report.published)
        if report.publish_error:
            self.publish_failures.inc()
        self.collect_seconds.labels(job).observe(report.elapsed)
