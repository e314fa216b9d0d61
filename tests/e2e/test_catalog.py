"""A user catalog through the CLI: series and a formula added without touching the package,
collected from the replay server, shown, published to Redis; and the real-time view checked
against an independent computation from the fixture files and their release times."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
import redis

from tests.support.cli import cli_env, parse_csv, run_cli
from tests.support.redis_server import SHARED_URL
from tests.support.replay import ReplayServer
from tests.support.settings import API_KEY

CSV_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "fred" / "csv"
NY = ZoneInfo("America/New_York")
USER_CATALOG = """
[series.RESERVES]
source = "fred"
symbol = "WRESBAL"
unit = "USD millions"
release = "H.4.1"
frequency = "weekly"

[series.VOL]
source = "yahoo"
symbol = "^VIX"
unit = "index points"
release = "CBOE close"

[derived.NETLIQ_EX_FOREIGN]
formula = "WALCL - RRPONTSYD - WTREGEN"
dates = "RRPONTSYD"
"""


def fixture(series_id: str) -> dict[date, float]:
    with (CSV_DIR / f"{series_id}.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    return {date.fromisoformat(d): float(v) for d, v in rows if v not in ("", ".")}


@pytest.fixture
def user_env(replay: ReplayServer, tmp_path: Path, prefix: str) -> dict[str, str]:
    path = tmp_path / "catalog.toml"
    path.write_text(USER_CATALOG)
    return cli_env(
        replay,
        tmp_path / "c.duckdb",
        LIQUIDITY_CATALOG=str(path),
        LIQUIDITY_REDIS_URL=SHARED_URL,
        LIQUIDITY_REDIS_PREFIX=prefix,
    )


@pytest.mark.parametrize("keyed", [False, True], ids=["keyless", "keyed"])
def test_user_series_are_collected_shown_and_published(
    user_env: dict[str, str], prefix: str, keyed: bool
) -> None:
    env = {**user_env, **({"LIQUIDITY_FRED_API_KEY": API_KEY} if keyed else {})}
    done = run_cli(["collect", "RESERVES", "VOL", "WALCL", "RRPONTSYD", "WTREGEN"], env)
    assert done.returncode == 0, done.stderr
    shown = run_cli(["show", "RESERVES", "--format", "csv"], env)
    assert shown.returncode == 0, shown.stderr
    rows = parse_csv(shown.stdout)
    assert list(rows[0])[:2] == ["date", "value"]
    expected = fixture("WRESBAL")
    assert {date.fromisoformat(r["date"]): float(r["value"]) for r in rows} == expected
    vol = parse_csv(run_cli(["show", "vol", "--format", "csv"], env).stdout)
    assert len(vol) > 1000 and vol[0]["source"] == "yahoo"
    client = redis.Redis.from_url(SHARED_URL, decode_responses=True)
    try:
        last = client.hgetall(f"{prefix}:last")
        assert client.xlen(f"{prefix}:stream:RESERVES") == len(expected)
        assert json.loads(last["RESERVES"])["value"] == expected[max(expected)]
        assert json.loads(last["VOL"])["unit"] == "index points"
        derived = json.loads(last["NETLIQ_EX_FOREIGN"])
        assert derived["source"] == "derived" and derived["unit"] == "USD millions"
    finally:
        client.close()


@pytest.fixture
def collected(user_env: dict[str, str]) -> dict[str, str]:
    done = run_cli(["collect", "NETLIQ_EX_FOREIGN"], user_env)  # a formula: its inputs
    assert done.returncode == 0, done.stderr
    return user_env


def test_a_user_formula_reproduces_the_daily_variant_exactly(collected: dict[str, str]) -> None:
    mine = run_cli(["show", "NETLIQ_EX_FOREIGN", "--format", "csv"], collected)
    daily = run_cli(["show", "net-liquidity", "--variant", "daily", "--format", "csv"], collected)
    assert mine.returncode == 0 and daily.returncode == 0, mine.stderr + daily.stderr
    ours = [(r["date"], r["value"]) for r in parse_csv(mine.stdout)]
    theirs = [(r["date"], r["net_liquidity"]) for r in parse_csv(daily.stdout)]
    assert ours == theirs and len(ours) > 3000


def public_at(observed: date, lag: int, at: time, federal: holidays.HolidayBase) -> datetime:
    """Independently of the registry: ``lag`` days after the observation, moved to the next
    federal business day, at ``at`` New York (the H.4.1: the next day at 16:30; the ON RRP
    results: the same day at 13:15)."""
    day = observed + timedelta(days=lag)
    while day.weekday() >= 5 or day in federal:
        day += timedelta(days=1)
    return datetime.combine(day, at, NY)


def latest_known(values: dict[date, float], out_at: dict[date, datetime], day: date) -> date | None:
    midnight = datetime.combine(day + timedelta(days=1), time(0), NY)
    recent = [d for d in values if day - timedelta(days=21) <= d <= day and out_at[d] < midnight]
    return max(recent, default=None)


def expected_realtime() -> dict[date, float]:
    """Daily Net Liquidity as known each evening of an RRPONTSYD date: each input the latest
    observation dated on or before it that was public by midnight."""
    walcl, tga, rrp = fixture("WALCL"), fixture("WTREGEN"), fixture("RRPONTSYD")
    federal = holidays.country_holidays("US", years=range(2000, 2027))
    weekly = {w: public_at(w, 1, time(16, 30), federal) for w in walcl}
    daily = {d: public_at(d, 0, time(13, 15), federal) for d in rrp}
    out = {}
    for day in sorted(rrp):
        w, r = latest_known(walcl, weekly, day), latest_known(rrp, daily, day)
        if w is not None and r is not None and w in tga:
            out[day] = walcl[w] - (rrp[r] * 1000.0 + tga[w])
    return out


def test_realtime_matches_the_fixture_files_and_their_release_times(
    collected: dict[str, str],
) -> None:
    shown = run_cli(
        ["show", "net-liquidity", "--variant", "daily", "--realtime", "--format", "csv"], collected
    )
    assert shown.returncode == 0, shown.stderr
    got = {
        date.fromisoformat(r["date"]): float(r["net_liquidity"]) for r in parse_csv(shown.stdout)
    }
    expected = expected_realtime()
    assert got == expected
    # On a Wednesday the evening's view still has last week's H.4.1: it differs from the
    # latest view, which uses that very Wednesday's WALCL.
    latest = {
        date.fromisoformat(r["date"]): float(r["value"])
        for r in parse_csv(
            run_cli(["show", "NETLIQ_EX_FOREIGN", "--format", "csv"], collected).stdout
        )
    }
    wednesdays = [d for d in expected if d.weekday() == 2]
    assert len(wednesdays) > 500
    differ = [d for d in wednesdays if got[d] != latest[d]]
    assert len(differ) > 0.9 * len(wednesdays)
    same = run_cli(["show", "NETLIQ_DAILY", "--realtime", "--format", "csv"], collected)
    assert [r["value"] for r in parse_csv(same.stdout)] == [
        r["net_liquidity"] for r in parse_csv(shown.stdout)
    ]


def test_catalog_lists_every_entry_and_where_it_is_defined(user_env: dict[str, str]) -> None:
    listed = run_cli(["catalog", "--format", "csv"], user_env)
    assert listed.returncode == 0, listed.stderr
    rows = {r["id"]: r for r in parse_csv(listed.stdout)}
    assert rows["WALCL"]["defined in"] == "package" and rows["WALCL"]["release"] == "H.4.1"
    assert rows["RESERVES"]["defined in"] == user_env["LIQUIDITY_CATALOG"]
    assert rows["VOL"]["source"] == "yahoo"
    assert rows["SOFR_IORB"]["unit"] == "basis points"
    assert rows["NETLIQ_EX_FOREIGN"]["source"] == "derived"
    ok = run_cli(["catalog", "check"], user_env)
    assert ok.returncode == 0 and ok.stdout.strip().endswith(": ok"), ok.stderr


def test_a_bad_catalog_is_one_line_per_problem(replay: ReplayServer, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[series.X]\nsource = "fred"\n[derived.Y]\nformula = "WALCL + DGS10"\n'
        '[derived.Z]\nformula = "NOPE * 2"\n'
    )
    env = cli_env(replay, tmp_path / "b.duckdb", LIQUIDITY_CATALOG=str(bad))
    checked = run_cli(["catalog", "check", str(bad)], env)
    lines = checked.stderr.strip().splitlines()
    assert checked.returncode == 1 and len(lines) == 3, checked.stderr
    assert all(line.startswith(f"error: {bad}: ") for line in lines)
    assert "derived.Y: cannot add percent and usd" in checked.stderr
    shown = run_cli(["show", "WALCL"], env)  # a command refuses to run on a bad catalog
    assert shown.returncode == 1 and "Traceback" not in shown.stderr
    assert "series.X: unit: required without a FRED API key" in shown.stderr
    missing = run_cli(["show", "WALCL"], {**env, "LIQUIDITY_CATALOG": str(tmp_path / "no")})
    assert missing.returncode == 1 and "cannot read" in missing.stderr


FRED_UNIT_CATALOG = """
[series.WRESBAL]
source = "fred"
release = "H.4.1"
frequency = "weekly"
fred_release = 20

[derived.RESERVES_LESS_ASSETS]
formula = "WRESBAL - WALCL"
"""


def metadata_requests(server: ReplayServer) -> int:
    """``fred/series`` only (``count`` matches the path as a substring)."""
    return server.count("/fred/series") - server.count("/fred/series/observations")


def test_a_keyed_series_without_unit_takes_freds(replay: ReplayServer, tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text(FRED_UNIT_CATALOG)
    env = cli_env(
        replay, tmp_path / "u.duckdb", LIQUIDITY_CATALOG=str(path), LIQUIDITY_FRED_API_KEY=API_KEY
    )
    listed = run_cli(["catalog", "--format", "csv"], env)
    assert listed.returncode == 0, listed.stderr
    rows = {r["id"]: r for r in parse_csv(listed.stdout)}
    assert rows["WRESBAL"]["unit"] == "USD millions (FRED)"
    assert rows["WALCL"]["unit"] == "USD millions"  # declared by the package
    assert rows["RESERVES_LESS_ASSETS"]["unit"] == "USD millions"
    assert metadata_requests(replay) == 1 and replay.count() == 1  # that one unit, nothing else
    assert "WRESBAL" in (tmp_path / "fred_units.json").read_text()
    replay.reset_counts()
    done = run_cli(["collect", "WRESBAL", "WALCL"], env)
    assert done.returncode == 0, done.stderr
    # The collect's own metadata (one H.4.1 listing): none for the catalog's unit.
    assert metadata_requests(replay) == 0
    assert replay.count("/fred/release/series") == 1
    replay.reset_counts()
    shown = run_cli(["show", "WRESBAL", "--format", "csv"], env)
    assert shown.returncode == 0, shown.stderr
    values = {date.fromisoformat(r["date"]): float(r["value"]) for r in parse_csv(shown.stdout)}
    assert values == fixture("WRESBAL")
    formula = run_cli(["show", "RESERVES_LESS_ASSETS", "--format", "csv"], env)
    assert formula.returncode == 0, formula.stderr
    rows_shown = parse_csv(formula.stdout)
    assert len(rows_shown) > 40  # show's default window: a year of weeks
    assert all(float(r["value"]) == float(r["WRESBAL"]) - float(r["WALCL"]) for r in rows_shown)
    ok = run_cli(["catalog", "check"], env)
    assert ok.returncode == 0 and ok.stdout.strip().endswith(": ok"), ok.stderr
    assert replay.count() == 0  # every unit from the cache


def test_freds_unit_refusals_are_one_line(replay: ReplayServer, tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    env = cli_env(replay, tmp_path / "r.duckdb", LIQUIDITY_CATALOG=str(path))
    keyed = {**env, "LIQUIDITY_FRED_API_KEY": API_KEY}
    cases = [  # (catalog, environment, the one line)
        (
            FRED_UNIT_CATALOG + '[derived.BAD]\nformula = "WRESBAL + DGS10"\n',
            keyed,
            f"error: {path}: derived.BAD: cannot add percent and usd",
        ),
        (
            FRED_UNIT_CATALOG,
            env,
            f"error: {path}: series.WRESBAL: unit: required without a FRED API key",
        ),
        (
            '[series.NOPE]\nsource = "fred"\n',
            keyed,
            f"error: {path}: series.NOPE: unit: asking FRED for it: fred: NOPE: error 400: ",
        ),
    ]
    for text, environment, line in cases:
        path.write_text(text)
        for args in (["show", "WALCL"], ["catalog", "check"]):
            done = run_cli(args, environment)
            assert done.returncode == 1, done.stdout
            assert done.stderr.startswith(line) and done.stderr.count("\n") == 1, done.stderr
            assert "Traceback" not in done.stderr and API_KEY not in done.stderr
