"""``python -m bench.live``: from the instant a source first serves a new observation to its
entry in the Redis Stream, for every kind of source, with release-window polling and with
the former retry schedule (issue 17). Writes its section of bench/RESULTS.md.

How it is measured. The replay server (tests/support/replay.py) serves the old data until
a flip instant drawn at random (uniform, seeded) in the release window, from one minute
before the expected release instant to ten minutes after it, then the new observation
(FRED's ``last_updated`` and the NY Fed's ``lastUpdated`` become the flip instant). Per
trial: a fresh in-memory DuckDB store and a fresh Redis prefix (the real Redis at
127.0.0.1:6379); a collect just before the window opens (the state a running daemon has);
then the daemon's own window coroutine (``serve.live.Windows.run``, the job APScheduler
starts ``lead`` before the release) with the settings' defaults. The clock is warped
(``clock.warped``): it starts just before the release and runs at the real pace, except
that the schedule's idle waits take no real time, so a window of minutes takes a second or
two. Requests, rate limiting (2/s per key at the client and enforced by the replay server
with 429s, on the same warped clock), Redis and the store cost their real time. The delay
is the flip instant to the instant the collect's XADDs were acknowledged
(``CollectReport.published_at``), checked against the Stream. The former schedule (a
collect 5 minutes after the release time, then retries after 300, 600, 1200 ... s) runs the
same collects on the same draws.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from tests.support.replay import DTS, NYFED, ReplayServer

from bench.common import API_KEY, ROOT
from liquidity import clock
from liquidity.catalog.active import SERIES
from liquidity.compose import collect_config, live_config
from liquidity.config import Settings
from liquidity.pipeline import CollectReport, collect
from liquidity.serve.budget import FETCH, POLL
from liquidity.serve.cadence import polls
from liquidity.serve.live import Windows, missing
from liquidity.serve.schedule import COLLECT_DELAY, groups, retry_delay
from liquidity.storage.duckdb import DuckDBStore

OUT = ROOT / "bench" / "RESULTS.md"
MARK = "<!-- bench.live -->"
REDIS = "redis://127.0.0.1:6379/0"
TRIALS = 20
EARLY, LATE = 60.0, 600.0  # the flip is drawn in [expected - EARLY, expected + LATE]
LATENCY = 0.05  # seconds the replay server adds to every answer
SEED = 17


@dataclass(frozen=True)
class Kind:
    label: str
    source: str
    ids: tuple[str, ...]  # the series collected (one release group)
    keys: tuple[str, ...]  # what the replay server holds back (tests/support/replay.py)
    day: str  # the observation that appears at the flip (the newest in the fixtures)

    @property
    def expected(self) -> datetime:
        return SERIES[self.ids[0]].release.first_release(date.fromisoformat(self.day))


H41 = ("WALCL", "WLRRAL", "WDTGAL", "WTREGEN")
H15 = ("DGS10", "DGS2")
KINDS = (
    Kind("FRED H.4.1 (4 series)", "fred", H41, H41, "2025-11-12"),
    Kind("FRED H.15 (DGS10, DGS2)", "fred", H15, H15, "2025-11-13"),
    Kind("FRED RRPONTSYD", "fred", ("RRPONTSYD",), ("RRPONTSYD",), "2025-11-14"),
    Kind("FRED ICE BofA (HY OAS)", "fred", ("BAMLH0A0HYM2",), ("BAMLH0A0HYM2",), "2025-11-13"),
    Kind("NY Fed ON RRP", "nyfed", ("RRP_NYFED",), (NYFED,), "2025-11-24"),
    Kind("Treasury DTS (TGA)", "treasury_dts", ("TGA_DTS",), (DTS,), "2022-12-21"),
    Kind("Yahoo ^VIX close", "yahoo", ("VIX",), ("VIX",), "2025-11-12"),
)


@dataclass
class Trial:
    delay: float  # seconds, flip -> XADD acknowledged
    polls: int = 0
    fetches: int = 0


@dataclass
class Outcome:
    live: list[Trial] = field(default_factory=list)
    former: list[Trial] = field(default_factory=list)


def settings_for(server: ReplayServer, prefix: str) -> Settings:
    """The defaults, pointed at the replay server and Redis; FRED at its real 2/s."""
    return Settings(
        fred_api_key=API_KEY,
        fred_api_url=f"{server.url}/fred",
        fred_graph_url=f"{server.url}/graph/fredgraph.csv",
        yahoo_url=server.url,
        nyfed_url=server.url,
        treasury_url=server.url,
        duckdb_path=Path("/nonexistent"),
        redis_url=REDIS,
        redis_prefix=prefix,
        start=date(2000, 1, 1),
    )  # type: ignore[call-arg]


def per_day(source: str) -> int:
    return sum(1 for s, _ in groups(SERIES.values()) if s == source)


async def warm(server: ReplayServer, kind: Kind, path: Path) -> None:
    """A DuckDB file with what a running daemon has stored before the release, its publish
    cursor past it (published once to a prefix deleted after): each trial starts from a
    copy, so no trial spends requests or time on the history."""
    settings, prefix = await _prepare(server, kind, kind.expected + timedelta(days=1))
    store = DuckDBStore(str(path))
    try:
        with clock.warped(kind.expected - timedelta(seconds=600)):
            await collect(collect_config(settings), store, kind.ids)
    finally:
        store.close()
        _delete(prefix)


def _store(warm: Path, trial: Path) -> DuckDBStore:
    shutil.copyfile(warm, trial)
    return DuckDBStore(str(trial))


async def _prepare(server: ReplayServer, kind: Kind, flip: datetime) -> tuple[Settings, str]:
    prefix = f"bench-live-{uuid.uuid4().hex[:10]}"
    server.data.flips.clear()
    for key in kind.keys:
        server.flip(key, kind.day, flip)
    return settings_for(server, prefix), prefix


async def live_trial(server: ReplayServer, kind: Kind, flip: datetime, warmed: Path) -> Trial:
    settings, prefix = await _prepare(server, kind, flip)
    store = _store(warmed, warmed.with_suffix(".trial"))
    config, live = collect_config(settings), live_config(settings)
    published: list[datetime] = []

    async def run(name: str, ids: Sequence[str]) -> CollectReport | None:
        report = await collect(config, store, ids, limits=windows.limits)
        windows.count(report)
        if report.published and report.published_at and not missing(specs, store.states(), due):
            published.append(report.published_at)
        return report

    async def alert(key: str, active: bool, text: str) -> None:
        pass

    from prometheus_client import CollectorRegistry, Histogram

    delay = Histogram("d", "d", ["series"], registry=CollectorRegistry())
    windows = Windows(
        live,
        config,
        collect=run,
        states=store.states,
        alert=alert,
        delay=delay,
        active=lambda: True,
    )
    specs = [SERIES[i] for i in kind.ids]
    release = specs[0].release
    from liquidity.serve.cadence import Due

    due = Due(date.fromisoformat(kind.day), kind.expected)
    try:
        with clock.warped(kind.expected - timedelta(seconds=live.cadence.lead + 30)):
            name = f"{kind.source}:{release.name}"
            await windows.run(name, kind.source, release, kind.ids, per_day(kind.source))
            used = windows.ledger.snapshot(clock.now()).get(kind.source, {})
        _check_stream(prefix, kind)
        return Trial(
            (published[0] - flip).total_seconds(), used.get(POLL) or 0, used.get(FETCH) or 0
        )
    finally:
        store.close()
        _delete(prefix)


async def former_trial(server: ReplayServer, kind: Kind, flip: datetime, warmed: Path) -> Trial:
    """Today's schedule before issue 17: a collect COLLECT_DELAY after the release time,
    then retries after 300, 600, 1200 ... s (capped at 3600 s) while the value is late."""
    settings, prefix = await _prepare(server, kind, flip)
    store, config = _store(warmed, warmed.with_suffix(".trial")), collect_config(settings)
    specs = [SERIES[i] for i in kind.ids]
    from liquidity.serve.cadence import Due

    due = Due(date.fromisoformat(kind.day), kind.expected)
    first, cap = (
        timedelta(seconds=settings.serve_retry_first),
        timedelta(seconds=settings.serve_retry_cap),
    )
    fetches, attempt = 0, 0
    try:
        with clock.warped(kind.expected - timedelta(seconds=150)):
            await clock.sleep((kind.expected + COLLECT_DELAY - clock.now()).total_seconds())
            while True:
                report = await collect(config, store, kind.ids)
                fetches += sum(report.requests_by_source.values())
                if not missing(specs, store.states(), due) and report.published_at:
                    break
                await clock.sleep(retry_delay(attempt, first, cap).total_seconds())
                attempt += 1
        _check_stream(prefix, kind)
        return Trial((report.published_at - flip).total_seconds(), 0, fetches)
    finally:
        store.close()
        _delete(prefix)


def _check_stream(prefix: str, kind: Kind) -> None:
    import redis

    client = redis.Redis.from_url(REDIS)
    try:
        entries = client.xrange(f"{prefix}:stream:{kind.ids[0]}")
    finally:
        client.close()
    dates = {json.loads(fields[b"data"])["date"] for _, fields in entries}
    if kind.day not in dates:
        raise AssertionError(f"{kind.label}: {kind.day} is not in the Stream")


def _delete(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


async def run_kind(index: int, trials: int) -> dict[str, object]:
    """One kind's trials in this process (its own replay server and warped clock)."""
    kind = KINDS[index]
    server = ReplayServer(latency=LATENCY, rate_limit=2).start()
    rng = random.Random(SEED + index)
    outcome = Outcome()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            warmed = Path(tmp) / "warm.duckdb"
            await warm(server, kind, warmed)
            server.reset_counts()
            for _ in range(trials):
                flip = kind.expected + timedelta(seconds=rng.uniform(-EARLY, LATE))
                outcome.live.append(await live_trial(server, kind, flip, warmed))
                outcome.former.append(await former_trial(server, kind, flip, warmed))
        throttled = server.statuses.count(429)
    finally:
        server.stop()
    return {
        "live": [vars(t) for t in outcome.live],
        "former": [vars(t) for t in outcome.former],
        "throttled": throttled,
    }


def run_all(trials: int) -> tuple[dict[str, Outcome], int, float]:
    """Every kind in a process of its own, all at once (each has its own warped clock)."""
    began = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.live", "--kind", str(i), str(trials)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(len(KINDS))
    ]
    results: dict[str, Outcome] = {}
    throttled = 0
    for kind, proc in zip(KINDS, procs, strict=True):
        out, _ = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"{kind.label}: the benchmark failed")
        data = json.loads(out)
        results[kind.label] = Outcome(
            [Trial(**t) for t in data["live"]], [Trial(**t) for t in data["former"]]
        )
        throttled += data["throttled"]
    return results, throttled, time.perf_counter() - began


def budget_lines() -> list[str]:
    settings = Settings()  # type: ignore[call-arg]
    live = live_config(settings)
    c = live.cadence
    lines = [
        "| source | windows a day | polls a window, nothing comes (floor) | polls a day, "
        "worst case | ceiling (requests a day) |",
        "|---|---|---|---|---|",
    ]
    from liquidity.serve.cadence import fit_floor

    for source in ("fred", "nyfed", "treasury_dts", "yahoo"):
        n, ceiling = per_day(source), live.ceilings[source]
        floor = fit_floor(c, c.floor, n, int(ceiling * 0.8))
        one = len(polls(c, datetime(2026, 1, 5), floor))
        lines.append(f"| {source} | {n} | {one} ({floor:g} s) | {n * one} | {ceiling} |")
    return lines


YAHOO_NOTE = (
    "Yahoo's largest delays are flips drawn before the close's release instant (16:15 New "
    "York for ^VIX): a bar is stored as a close only from that instant on (an intraday price "
    "is never a close), so such a flip waits for it. A real session cannot end early; the "
    "other sources have no such gate within the window."
)


def render(results: dict[str, Outcome], throttled: int, wall: float, trials: int) -> str:
    c = live_config(Settings()).cadence  # type: ignore[call-arg]
    lines = [
        MARK,
        "## Live feed: source update to Redis Stream (issue 17)",
        "",
        f"Written by `python -m bench.live`; {trials} trials per kind of source, flip "
        f"drawn uniformly from {EARLY:g} s before to {LATE:g} s after the expected "
        f"release instant (seed {SEED}); replay server {LATENCY * 1000:g} ms per answer, "
        "FRED 2 requests/s enforced with 429s. Cadence: the defaults (window opens "
        f"{c.lead:g} s early, floor {c.floor:g} s, ramps {c.ramp_before:g} s before / "
        f"{c.ramp_after:g} s after, cap {c.cap:g} s, closes {c.close / 3600:g} h late). "
        f"Clock warped (idle waits skipped; requests, limits, Redis and the store in real "
        f"time), one process per kind, all at once on the machine's 2 cores: the whole run "
        f"took {wall:.0f} s. 429s in the whole run (both "
        f"schedules): **{throttled}**. How it is measured: the docstring of bench/live.py.",
        "",
        "| source | live median s | live p95 s | live max s | requests a trial: polls + "
        "fetch | former median s | former p95 s | former requests a trial |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, o in results.items():
        live = [t.delay for t in o.live]
        former = [t.delay for t in o.former]
        polls_ = statistics.mean(t.polls for t in o.live)
        fetch = statistics.mean(t.fetches for t in o.live)
        old = statistics.mean(t.fetches for t in o.former)
        lines.append(
            f"| {label} | {statistics.median(live):.1f} | {p95(live):.1f} | {max(live):.1f} | "
            f"{polls_:.0f} + {fetch:.0f} | {statistics.median(former):.0f} | "
            f"{p95(former):.0f} | {old:.0f} |"
        )
    lines += ["", YAHOO_NOTE]
    lines += [
        "",
        "Daily request budget at the defaults (a window polls only from its "
        "opening until its value arrives; between releases nothing is polled):",
        "",
        *budget_lines(),
        "",
    ]
    return "\n".join(lines) + "\n"


def write(section: str) -> None:
    text = OUT.read_text() if OUT.exists() else ""
    head = text.split(MARK)[0].rstrip("\n")
    OUT.write_text(f"{head}\n\n{section}" if head else section)


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--kind"]:
        trials = int(args[2]) if len(args) > 2 else TRIALS
        sys.stdout.write(json.dumps(asyncio.run(run_kind(int(args[1]), trials))))
        return
    trials = int(args[0]) if args else TRIALS
    results, throttled, wall = run_all(trials)
    section = render(results, throttled, wall, trials)
    write(section)
    sys.stdout.write(section)


if __name__ == "__main__":
    main()
