"""Two processes share circuit breaker state through Redis: one trips it, the other sees it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.cli import ROOT, python_prints
from tests.support.redis_server import shared_redis_or_skip
from tests.support.replay import ReplayServer

DEAD = "http://127.0.0.1:1/fred/series"  # connection refused: a transient failure


def probe(action: str, redis_url: str, prefix: str, target: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.breaker_probe", action, redis_url, prefix, target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_one_process_trips_the_breaker_another_sees_it_open(
    prefix: str, replay: ReplayServer, tmp_path: Path
) -> None:
    url = shared_redis_or_skip()
    target = f"{replay.url}/fred/series?series_id=WALCL&api_key=x"
    assert probe("probe", url, prefix, target) != "SourceUnavailableError"  # closed at first
    before = replay.count()
    # Three connection failures (the threshold) in process A open the breaker ...
    assert probe("trip", url, prefix, DEAD) == "SourceTransientError"
    # ... so process B does not call the source at all.
    assert probe("probe", url, prefix, target) == "SourceUnavailableError"
    assert replay.count() == before


def test_unreachable_redis_falls_back_to_memory_breakers(prefix: str) -> None:
    assert probe("trip", "redis://127.0.0.1:1/0", prefix, DEAD) == "SourceTransientError"


def test_purgatory_loads_without_redis_and_shared_breakers_still_work(
    prefix: str, replay: ReplayServer
) -> None:
    """``liquidity.thirdparty.purgatory`` keeps redis out of a start without Redis configured; the
    probe processes above import it that way, and then share breakers through Redis."""
    code = "import sys, liquidity.http; print('redis' in sys.modules)"
    assert python_prints(code) == "False"
    url = shared_redis_or_skip()
    assert probe("trip", url, prefix, DEAD) == "SourceTransientError"
    assert probe("probe", url, prefix, f"{replay.url}/fred/series") == "SourceUnavailableError"
