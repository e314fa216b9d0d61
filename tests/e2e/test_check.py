"""liquidity check: overlapping sources agree on the fixtures; an injected difference is flagged."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from liquidity import clock
from liquidity.storage.duckdb import DuckDBStore
from tests.support.cli import cli_env, run_cli
from tests.support.replay import ReplayServer

IDS = ["RRPONTSYD", "RRP_NYFED", "WDTGAL", "TGA_DTS"]


def test_sources_agree_then_an_injected_discrepancy_is_flagged(
    replay: ReplayServer, tmp_path: Path
) -> None:
    db = tmp_path / "c.duckdb"
    env = cli_env(replay, db)
    assert run_cli(["collect", *IDS], env).returncode == 0
    clean = run_cli(["check"], env)
    assert clean.returncode == 0, clean.stderr
    assert "discrepancy" not in clean.stderr
    table = clean.stdout
    assert "ON RRP: FRED vs NY Fed" in table and "TGA on Wednesdays" in table

    # Inject: the NY Fed figure for one day changes by 2 billion (a new vintage).
    store = DuckDBStore(db)
    (row,) = store.read("RRP_NYFED", start=date(2024, 3, 13), end=date(2024, 3, 13))
    # Dated from the clock, never a literal: the collect above stamped its rows today.
    before_revision = clock.now()
    later = before_revision + timedelta(days=1)
    revised = replace(row, value=row.value + 2.0, realtime_start=later.date())
    store.write([revised], revision_known_at=later)
    store.close()
    flagged = run_cli(["check"], env)
    assert flagged.returncode == 1
    lines = [line for line in flagged.stderr.splitlines() if line.startswith("discrepancy:")]
    assert len(lines) == 1 and "2024-03-13" in lines[0] and "ON RRP" in lines[0]
    # What was known before the injected revision still agrees.
    before = run_cli(["check", "--as-of", before_revision.isoformat()], env)
    assert before.returncode == 0, before.stderr
