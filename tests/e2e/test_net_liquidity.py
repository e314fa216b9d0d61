"""Net Liquidity through the CLI, checked against an independent computation
straight from the fixture files."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from liquidity.models import Observation
from liquidity.transforms.net_liquidity import compute, variant
from tests.support.cli import cli_env, parse_csv, run_cli
from tests.support.replay import ReplayServer

CSV_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "fred" / "csv"


def fixture_series(series_id: str) -> dict[str, float]:
    with (CSV_DIR / f"{series_id}.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    return {d: float(v) for d, v in rows if v not in ("", ".")}


def expected_weekly() -> dict[str, float]:
    walcl, rrp, tga = (fixture_series(s) for s in ("WALCL", "WLRRAL", "WDTGAL"))
    return {d: walcl[d] - rrp[d] - tga[d] for d in walcl if d in rrp and d in tga}


def expected_daily() -> dict[str, float]:
    walcl, tga = fixture_series("WALCL"), fixture_series("WTREGEN")
    out = {}
    for day, rrp_billions in sorted(fixture_series("RRPONTSYD").items()):
        w = [v for d, v in sorted(walcl.items()) if d <= day]
        t = [v for d, v in sorted(tga.items()) if d <= day]
        if w and t:
            out[day] = w[-1] - rrp_billions * 1000.0 - t[-1]
    return out


@pytest.fixture
def collected(replay: ReplayServer, tmp_path: Path) -> dict[str, str]:
    env = cli_env(replay, tmp_path / "nl.duckdb")
    done = run_cli(["collect"], env)
    assert done.returncode == 0, done.stderr
    return env


@pytest.mark.parametrize(
    ("name", "expected", "parts"),
    [
        ("weekly", expected_weekly, ["WALCL", "WLRRAL", "WDTGAL"]),
        ("daily", expected_daily, ["WALCL", "RRPONTSYD", "WTREGEN"]),
    ],
)
def test_cli_net_liquidity_matches_independent_computation(
    collected: dict[str, str], name: str, expected: object, parts: list[str]
) -> None:
    shown = run_cli(["show", "net-liquidity", "--variant", name, "--format", "csv"], collected)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0] == ",".join(["date", "net_liquidity", *parts])
    rows = parse_csv(shown.stdout)
    want = expected()  # type: ignore[operator]
    assert len(rows) == len(want) > 900
    for row in rows:
        assert float(row["net_liquidity"]) == pytest.approx(want[row["date"]], abs=1e-6)


def test_daily_converts_rrp_billions_to_millions(collected: dict[str, str]) -> None:
    shown = run_cli(
        ["show", "net-liquidity", "--variant", "daily", "-f", "json", "--start", "2025-11-14"],
        collected,
    )
    import json

    (row,) = json.loads(shown.stdout)
    rrp = fixture_series("RRPONTSYD")["2025-11-14"]
    assert row["RRPONTSYD"] == pytest.approx(rrp * 1000.0)
    assert row["net_liquidity"] == pytest.approx(row["WALCL"] - row["RRPONTSYD"] - row["WTREGEN"])


def test_weekly_needs_all_three_components() -> None:
    def rows(sid: str, days: list[int]) -> list[Observation]:
        from datetime import UTC, datetime

        t = datetime(2026, 1, 1, tzinfo=UTC)
        return [
            Observation(sid, date(2025, 1, d), 10.0 * d, date(2026, 1, 1), t, "x") for d in days
        ]

    got = compute(
        variant("weekly"),
        {
            "WALCL": rows("WALCL", [1, 8, 15]),
            "WLRRAL": rows("WLRRAL", [1, 15]),
            "WDTGAL": rows("WDTGAL", [1, 8, 15]),
        },
    )
    assert [r.date.day for r in got] == [1, 15]
    assert got[0].net_liquidity == 10.0 - 10.0 - 10.0


def expected_primary() -> dict[str, float]:
    import json

    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    walcl = fixture_series("WALCL")
    ops = json.loads((fixtures / "nyfed" / "reverserepo_search.json").read_bytes())
    rrp: dict[str, float] = {}
    for op in ops["repo"]["operations"]:
        day = op["operationDate"]
        rrp[day] = rrp.get(day, 0.0) + op["totalAmtAccepted"] / 1e9
    dts = json.loads((fixtures / "treasury" / "operating_cash_balance.json").read_bytes())
    tga: dict[str, float] = {}
    for row in dts["data"]:
        if row["account_type"] == "Treasury General Account (TGA) Closing Balance":
            tga[row["record_date"]] = float(row["open_today_bal"])
        elif row["account_type"] in ("Federal Reserve Account", "Treasury General Account (TGA)"):
            tga[row["record_date"]] = float(row["close_today_bal"])
    out = {}
    for day in sorted(tga):
        w = [v for d, v in sorted(walcl.items()) if d <= day]
        r = [v for d, v in sorted(rrp.items()) if d <= day]
        if w and r:
            out[day] = w[-1] - r[-1] * 1000.0 - tga[day]
    return out


def test_primary_matches_independent_computation(collected: dict[str, str]) -> None:
    shown = run_cli(["show", "net-liquidity", "--variant", "primary", "-f", "csv"], collected)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0] == "date,net_liquidity,WALCL,RRP_NYFED,TGA_DTS"
    rows = parse_csv(shown.stdout)
    want = expected_primary()
    assert len(rows) == len(want) > 200
    for row in rows:
        assert float(row["net_liquidity"]) == pytest.approx(want[row["date"]], abs=1e-6)


def test_primary_as_of_shows_only_what_was_public(collected: dict[str, str]) -> None:
    # Noon New York, Thursday 16 June 2022: the DTS for Wednesday 15 June comes out at
    # 16:00 today and that week's H.4.1 at 16:30, so neither may be seen yet.
    as_of = "2022-06-16T12:00:00-04:00"
    shown = run_cli(
        ["show", "net-liquidity", "--variant", "primary", "--as-of", as_of, "-f", "csv"],
        collected,
    )
    rows = parse_csv(shown.stdout)
    assert rows[-1]["date"] == "2022-06-14"
    walcl = fixture_series("WALCL")
    assert float(rows[-1]["WALCL"]) == walcl["2022-06-08"]  # not 2022-06-15's
    later = run_cli(
        [
            "show",
            "net-liquidity",
            "--variant",
            "primary",
            "--as-of",
            "2022-06-16T16:31:00-04:00",
            "-f",
            "csv",
        ],
        collected,
    )
    assert parse_csv(later.stdout)[-1]["date"] == "2022-06-15"
