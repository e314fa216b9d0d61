"""Tables at 80 columns show every value in full; ``--wide`` adds the rest; reading the
store imports nothing that only fetching or the daemon needs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from liquidity.consistency import check
from liquidity.storage.duckdb import DuckDBStore
from tests.support.cli import cli_env, python_prints, run_cli
from tests.support.replay import ReplayServer

NARROW = {"COLUMNS": "80"}
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@dataclass(frozen=True)
class Collected:
    env: dict[str, str]
    db: Path
    collect_stdout: str  # the first collect's report, rendered at 80 columns


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collected]:
    root = tmp_path_factory.mktemp("tables")
    server = ReplayServer().start()
    try:
        env = cli_env(server, root / "t.duckdb")
        done = run_cli(["collect"], {**env, **NARROW})
        assert done.returncode == 0, done.stderr
        yield Collected(env, root / "t.duckdb", done.stdout)
    finally:
        server.stop()


def last_dates(db: Path) -> dict[str, date]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT series_id, max(date) FROM observations GROUP BY 1").fetchall()
    return {sid: last for sid, last in rows}


def assert_fits(text: str, width: int = 80) -> None:
    assert "…" not in text, text  # Rich marks a cut cell with an ellipsis
    too_long = [line for line in text.splitlines() if len(line) > width]
    assert not too_long, "\n".join(too_long)


def row_of(text: str, series_id: str) -> str:
    """The table row of ``series_id`` (its id alone in the first cell)."""
    return next(line for line in text.splitlines() if re.match(rf"│ {series_id} +│", line))


def test_collect_at_80_columns_shows_every_date_and_count(collected: Collected) -> None:
    out = collected.collect_stdout
    assert_fits(out)
    header = out.splitlines()[2]
    for name in ("series", "new", "revised", "missing", "rejected", "last date", "status"):
        assert name in header
    assert "source" not in header  # --wide only
    for sid, last in last_dates(collected.db).items():
        row = row_of(out, sid)
        assert last.isoformat() in row
        assert re.search(r"│ +[1-9]\d* │", row), row  # its count of new rows, whole


def test_collect_wide_adds_the_source(collected: Collected) -> None:
    done = run_cli(["collect", "--wide", "WALCL", "TGA_DTS"], {**collected.env, **NARROW})
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    assert "source" in done.stdout.splitlines()[2]
    assert "treasury_dts" in row_of(done.stdout, "TGA_DTS")
    assert "fred" in row_of(done.stdout, "WALCL")


def test_status_at_80_columns_shows_full_dates(collected: Collected) -> None:
    done = run_cli(["status"], {**collected.env, **NARROW})
    assert done.returncode == 0, done.stderr
    assert_fits(done.stdout)
    for sid, last in last_dates(collected.db).items():
        row = row_of(done.stdout, sid)
        dates = ISO_DATE.findall(row)
        assert dates[0] == last.isoformat()  # last date, then the expected one, both whole
        assert len(dates) == 2 and date.fromisoformat(dates[1]) >= last, row
        assert "ago" in row and "ok" in row  # fetched just now, successfully
    assert "source" not in done.stdout.splitlines()[2]


def test_status_wide_shows_source_and_long_headers(collected: Collected) -> None:
    done = run_cli(["status", "--wide"], {**collected.env, **NARROW})
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    header = done.stdout.splitlines()[2]
    for name in ("source", "last success", "last fetch"):
        assert name in header
    assert "treasury_dts" in row_of(done.stdout, "TGA_DTS")


def test_check_at_80_columns_shows_every_pair_and_number(collected: Collected) -> None:
    done = run_cli(["check"], {**collected.env, **NARROW})
    assert done.returncode == 0, done.stderr
    assert_fits(done.stdout)
    # The pair's name may wrap: its words are all there, in order, across the lines.
    first_cells = " ".join(
        line.split("│")[1].strip() for line in done.stdout.splitlines() if line.startswith("│")
    )
    store = DuckDBStore(collected.db)
    try:
        results = check(store)
    finally:
        store.close()
    for result in results:
        assert result.pair.name in first_cells
        assert result.compared > 0
        assert re.search(rf"│ +{result.compared} │ +0 │ +{result.pair.tolerance:g} │", done.stdout)
    assert "RRP_NYFED" not in done.stdout  # the compared series: --wide only


def test_check_wide_names_the_compared_series(collected: Collected) -> None:
    done = run_cli(["check", "--wide"], {**collected.env, **NARROW})
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    rrp = next(line for line in done.stdout.splitlines() if "ON RRP" in line)
    assert "RRPONTSYD" in rrp and "RRP_NYFED" in rrp


READ_PATH_HEAVY = ("httpx", "numpy", "apscheduler", "tenacity", "holidays", "rich._emoji_codes")


# show evaluates its formula in plain Python (catalog/compute.py); status computes none.
@pytest.mark.parametrize(
    ("args", "needs"), [(["show", "net-liquidity"], set()), (["status"], set())]
)
def test_reading_the_store_imports_no_fetching_parts(
    collected: Collected, args: list[str], needs: set[str]
) -> None:
    """Each of these costs the cold read time (numpy alone ~0.15 s); only collect needs them."""
    heavy = tuple(m for m in READ_PATH_HEAVY if m not in needs)
    code = (
        "import sys\nfrom liquidity.cli import app\n"
        f"sys.argv = ['liquidity', *{args!r}]\n"
        "try:\n    app()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        f"print('HEAVY=' + ','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    # Without the replay server's URLs: a source URL someone set is checked with httpx's
    # parser (config.py); the defaults are not.
    env = {k: v for k, v in collected.env.items() if not k.endswith("_URL")}
    assert python_prints(code, env).splitlines()[-1] == "HEAVY="
