"""Release windows in-process against the replay server, on a warped clock (the waits of a
three-hour window take no real time): a flipped release is fetched once, right after the
flip; a release that never comes ends in one overdue alert and a bounded number of polls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, Histogram

from liquidity import clock
from liquidity.compose import collect_config
from liquidity.config import Settings
from liquidity.pipeline import CollectReport, collect
from liquidity.registry.releases import H41
from liquidity.serve.budget import FETCH, POLL
from liquidity.serve.cadence import polls
from liquidity.serve.live import Windows
from liquidity.serve.live_settings import live_config
from liquidity.storage.duckdb import DuckDBStore
from tests.support.replay import ReplayServer

IDS = ["WALCL", "WLRRAL", "WDTGAL", "WTREGEN"]
RELEASE = datetime(2025, 11, 13, 21, 30, tzinfo=UTC)  # H.4.1 of 2025-11-12


def _windows(settings: Settings, store: DuckDBStore, alerts: list[tuple[str, bool]]) -> Windows:
    config = collect_config(settings)

    async def run(name: str, ids: Sequence[str]) -> CollectReport | None:
        report = await collect(config, store, ids, limits=windows.limits)
        windows.count(report)
        return report

    async def alert(key: str, active: bool, text: str) -> None:
        alerts.append((key, active))

    delay = Histogram("delay", "d", ["series"], registry=CollectorRegistry())
    windows = Windows(
        live_config(settings),
        config,
        collect=run,
        states=store.states,
        alert=alert,
        delay=delay,
        active=lambda: True,
    )
    return windows


async def test_a_flip_in_the_window_is_fetched_at_the_next_poll(
    replay: ReplayServer, keyed_settings: Settings, memory_store: DuckDBStore
) -> None:
    alerts: list[tuple[str, bool]] = []
    windows = _windows(keyed_settings, memory_store, alerts)
    flip = RELEASE + timedelta(seconds=37)
    for sid in IDS:
        replay.flip(sid, "2025-11-12", flip)
    with clock.warped(RELEASE - timedelta(seconds=150)):
        await collect(collect_config(keyed_settings), memory_store, IDS)  # stored up to 11-05
        await windows.run("fred:H.4.1", "fred", H41, IDS, 5)
        done = clock.now()
    states = memory_store.states()
    assert {str(states[sid].last_date) for sid in IDS} == {"2025-11-12"}
    assert timedelta(0) < done - flip < timedelta(seconds=10)  # floor 5 s near the release
    assert alerts == [("window:fred:H.4.1", False)]
    used = windows.ledger.snapshot(done)["fred"]
    # Every listing but three was a poll: the collect before, the window's first (it had no
    # signal to compare with yet) and the one after the flip.
    assert used[POLL] == replay.count("/fred/release/series") - 3
    assert used[FETCH] is not None and used[FETCH] >= 2  # a listing and the values, at least
    assert 429 not in replay.statuses


async def test_a_release_that_never_comes_ends_in_one_overdue_alert(
    replay: ReplayServer, keyed_settings: Settings, memory_store: DuckDBStore
) -> None:
    alerts: list[tuple[str, bool]] = []
    windows = _windows(keyed_settings, memory_store, alerts)
    week = RELEASE + timedelta(days=7)  # 2025-11-19's H.4.1: the fixtures never have it
    with clock.warped(week - timedelta(seconds=120)):
        await collect(collect_config(keyed_settings), memory_store, IDS)
        replay.reset_counts()
        await windows.run("fred:H.4.1", "fred", H41, IDS, 5)
        ended = clock.now()
    assert alerts == [("window:fred:H.4.1", True)]  # one alert, then no more polling
    assert ended >= week + timedelta(hours=3)
    cadence = live_config(keyed_settings).cadence
    # The schedule's polls (real work moves the warped clock a little: a few more), and the
    # listing of the one fetch.
    assert replay.count("/fred/release/series") <= len(polls(cadence, week)) + 10
    assert replay.count("/fred/series/observations") <= len(IDS)  # one fetch: the first poll
