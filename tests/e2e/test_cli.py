"""The command line end to end, in subprocesses, against the replay server."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.support.cli import cli_env, parse_csv, python_prints, run_cli
from tests.support.replay import ReplayServer
from tests.support.settings import API_KEY


def rows_in(db: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT series_id, date, value, realtime_start FROM observations ORDER BY ALL"
        ).fetchall()


def test_collect_twice_is_idempotent_and_incremental(replay: ReplayServer, tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    env = cli_env(replay, db)
    first = run_cli(["collect"], env)
    assert first.returncode == 0, first.stderr
    # 1 fredgraph.csv for all nine FRED series, 2 Yahoo, 1 NY Fed, 1 DTS page.
    assert "WALCL" in first.stdout and "5 requests" in first.stdout
    before = rows_in(db)
    replay.reset_counts()
    second = run_cli(["collect"], env)
    assert second.returncode == 0, second.stderr
    assert rows_in(db) == before
    # Incremental: one CSV request from the earliest last date minus the 14-day lookback.
    csv_requests = [q for p, q in replay.requests if p.endswith("fredgraph.csv")]
    assert len(csv_requests) == 1
    query = csv_requests[0]
    earliest_last = date(2025, 11, 12)  # the weekly series' last Wednesday in the fixtures
    assert query["cosd"] == [(earliest_last - timedelta(days=14)).isoformat()]
    assert set(query["id"][0].split(",")) >= {"WALCL", "WLRRAL", "WDTGAL", "RRPONTSYD"}


def test_keyed_incremental_asks_only_for_new_dates(replay: ReplayServer, tmp_path: Path) -> None:
    env = cli_env(replay, tmp_path / "k.duckdb", LIQUIDITY_FRED_API_KEY=API_KEY)
    assert run_cli(["collect", "WALCL"], env).returncode == 0
    replay.reset_counts()
    assert run_cli(["collect", "WALCL"], env).returncode == 0
    assert replay.count("/fredgraph.csv") == 0  # last_updated unchanged: skipped
    replay.data.last_updated["WALCL"] = "2026-08-13 15:30:00-05"
    replay.data.revise("WALCL", "2026-08-12", "6750000")
    replay.reset_counts()
    done = run_cli(["collect", "WALCL"], env)
    assert done.returncode == 0, done.stderr
    ((_, query),) = [r for r in replay.requests if r[0].endswith("/fredgraph.csv")]
    assert query["id"] == ["WALCL"]
    assert query["cosd"] == ["2025-10-29"]  # the CSV fixture's last date minus 14 days
    shown = parse_csv(run_cli(["show", "WALCL", "-f", "csv"], env).stdout)
    assert shown[-1]["date"] == "2026-08-12" and float(shown[-1]["value"]) == 6750000.0


def test_show_as_of_hides_values_not_yet_released(replay: ReplayServer, tmp_path: Path) -> None:
    env = cli_env(replay, tmp_path / "a.duckdb")
    assert run_cli(["collect", "WALCL"], env).returncode == 0
    # H.4.1 for Wednesday 2025-11-12 came out Thursday 2025-11-13 at 16:30 New York.
    before = run_cli(["show", "WALCL", "--as-of", "2025-11-13T16:29:59-05:00", "-f", "csv"], env)
    after = run_cli(["show", "WALCL", "--as-of", "2025-11-13T16:30:00-05:00", "-f", "csv"], env)
    assert parse_csv(before.stdout)[-1]["date"] == "2025-11-05"
    assert parse_csv(after.stdout)[-1]["date"] == "2025-11-12"
    nl = run_cli(["show", "net-liquidity", "--as-of", "2025-11-13T12:00:00Z", "-f", "json"], env)
    assert nl.returncode == 1 and "no data" in nl.stderr  # WLRRAL/WDTGAL not collected


def test_failures_are_one_line_each_and_others_are_stored(
    replay: ReplayServer, tmp_path: Path
) -> None:
    db = tmp_path / "f.duckdb"
    replay.fail("/v8/finance/chart/^MOVE", status=503, times=-1)
    done = run_cli(["collect"], cli_env(replay, db, LIQUIDITY_RETRY_ATTEMPTS="2"))
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [errors[0]] and errors[0].startswith("error: MOVE: yahoo: HTTP 503")
    assert "Traceback" not in done.stderr
    stored = {r[0] for r in rows_in(db)}
    assert "MOVE" not in stored and {"WALCL", "VIX", "DGS10"} <= stored


def test_user_mistakes_get_one_line_and_nonzero_exit(replay: ReplayServer, tmp_path: Path) -> None:
    env = cli_env(replay, tmp_path / "m.duckdb")
    cases = [
        (["collect", "NOTASERIES"], "unknown series"),
        (["show", "WALCL", "--start", "yesterday"], "not a date"),
        (["show", "WALCL", "--as-of", "soon"], "not an ISO date"),
        (["show", "net-liquidity", "--variant", "hourly"], "unknown variant"),
    ]
    for args, needle in cases:
        done = run_cli(args, env)
        assert done.returncode != 0, args
        assert needle in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr
    bad = run_cli(["status"], {**env, "LIQUIDITY_METRICS_PORT": "not-a-port"})
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [bad.stderr.strip()]
    assert "LIQUIDITY_METRICS_PORT" in bad.stderr


def test_status_lists_every_series(replay: ReplayServer, tmp_path: Path) -> None:
    env = cli_env(replay, tmp_path / "s.duckdb")
    assert run_cli(["collect", "WALCL"], env).returncode == 0
    done = run_cli(["status"], {**env, "COLUMNS": "200"})  # one line per row
    assert done.returncode == 0
    for sid in ("WALCL", "WLRRAL", "MOVE", "VIX"):
        assert sid in done.stdout
    assert "never" in done.stdout  # series not collected yet
    # The fixture's newest WALCL is 2025-11-12: by today's calendar it is overdue.
    walcl = next(line for line in done.stdout.splitlines() if "WALCL" in line)
    assert "2025-11-12" in walcl and "yes" in walcl


def test_show_json_and_series_csv_header(replay: ReplayServer, tmp_path: Path) -> None:
    env = cli_env(replay, tmp_path / "j.duckdb")
    assert run_cli(["collect", "DGS10"], env).returncode == 0
    csv_out = run_cli(["show", "DGS10", "-f", "csv", "--start", "2025-11-01"], env).stdout
    assert csv_out.splitlines()[0].split(",")[0] == "date"
    records = json.loads(run_cli(["show", "DGS10", "-f", "json", "--limit", "2"], env).stdout)
    assert [r["date"] for r in records] == ["2025-11-12", "2025-11-13"]


def test_help_does_not_import_heavy_parts() -> None:
    code = (
        "import sys\nfrom liquidity.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('duckdb', 'httpx', 'numpy', 'pydantic_settings', 'purgatory', 'tenacity',"
        " 'matplotlib', 'plotly', 'rich.markdown', 'pygments')\n"
        "print('HEAVY=' + ','.join(m for m in heavy if m in sys.modules))"
    )
    assert python_prints(code).splitlines()[-1] == "HEAVY="


def test_commands_that_fetch_skip_httpx_own_command_line() -> None:
    """``cli.lean``: httpx's CLI (click, rich.syntax, pygments) is refused, httpx works."""
    code = (
        "import sys\nfrom liquidity.cli import app\nimport liquidity.pipeline, httpx\n"
        "httpx.Client().close()\n"
        "print(sorted(m for m in ('httpx._main', 'pygments') if m in sys.modules))"
    )
    assert python_prints(code) == "[]"


def test_keyed_collect_with_fred_real_units_texts_stores_all(
    replay: ReplayServer, tmp_path: Path
) -> None:
    # The fixtures carry FRED's own texts (RRPONTSYD's without dots).
    rrp = replay.data.metadata("RRPONTSYD")
    assert rrp is not None and rrp["seriess"][0]["units"] == "Billions of US Dollars"
    env = cli_env(replay, tmp_path / "k.duckdb", LIQUIDITY_FRED_API_KEY=API_KEY)
    done = run_cli(["collect"], env)
    assert done.returncode == 0, done.stderr
    stored = {row[0] for row in rows_in(tmp_path / "k.duckdb")}
    assert {"WALCL", "WLRRAL", "WDTGAL", "WTREGEN", "RRPONTSYD", "DGS10", "VIXCLS"} <= stored
    daily = parse_csv(
        run_cli(["show", "net-liquidity", "--variant", "daily", "-f", "csv"], env).stdout
    )
    assert daily, "the daily Net Liquidity has rows"
    last = daily[-1]
    expected = float(last["WALCL"]) - float(last["RRPONTSYD"]) - float(last["WTREGEN"])
    assert float(last["net_liquidity"]) == pytest.approx(expected)
    # RRPONTSYD is stored in billions and enters Net Liquidity in millions.
    rrp_rows = parse_csv(run_cli(["show", "RRPONTSYD", "-f", "csv"], env).stdout)
    billions = {r["date"]: float(r["value"]) for r in rrp_rows}
    assert float(last["RRPONTSYD"]) == pytest.approx(1000.0 * billions[last["date"]])
