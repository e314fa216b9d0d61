"""Bad input to the reading commands (show, plot, check), through the real ``liquidity``
command: a clear one-line error or a correct answer, never a traceback or "unexpected".

Issue 14, items 9 (extreme instants), 10 (``--limit``), 12 (an empty window said to be
"no data") and 13 (a read while another process holds the DuckDB file)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import liquidity
from liquidity.config import Settings
from liquidity.errors import StorageBusyError
from liquidity.storage.duckdb import DuckDBStore
from liquidity.window import EARLIEST, LATEST, parse_instant
from tests.support.cli import collected_env, parse_csv, run_cli

# The weekly Net Liquidity components; in the fixtures each runs 2007-01-03 to 2025-11-12.
WEEKLY = ["WALCL", "WLRRAL", "WDTGAL"]
STORED = "stored: 2007-01-03 to 2025-11-12"


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One collect of the weekly components into a DuckDB file, shared by the module."""
    with collected_env(tmp_path_factory.mktemp("hardening"), "h.duckdb", WEEKLY) as env:
        yield env


def one_error(done: subprocess.CompletedProcess[str], code: int) -> str:
    """The one ``error:`` line of a failed command (click's usage errors say ``Error:``)."""
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "unexpected" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.lower().startswith("error:")]
    assert len(errors) == 1, done.stderr
    return errors[0]


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    assert "error" not in done.stderr.lower(), done.stderr
    return done.stdout


# --- 9: extreme instants and dates ----------------------------------------------------


def test_instants_beyond_utc_are_clamped_to_its_ends() -> None:
    assert parse_instant("9999-12-31") == LATEST  # the end of that day in New York
    assert parse_instant("9999-12-31T23:00:00-05:00") == LATEST
    assert parse_instant("0001-01-01T00:00:00+14:00") == EARLIEST
    assert parse_instant("0001-01-01T00:00:00") == EARLIEST  # naive = UTC: representable
    edge = parse_instant("9999-12-31T23:59:59Z")
    assert edge == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


@pytest.fixture(scope="module")
def everything(collected: dict[str, str]) -> list[dict[str, str]]:
    return parse_csv(ok(run_cli(["show", "net-liquidity", "-f", "csv"], collected)))


@pytest.mark.parametrize(
    "window",
    [
        ["--as-of", "9999-12-31"],
        ["--as-of", "9999-12-31T23:59:59.999999-12:00"],
        ["--start", "0001-01-01", "--end", "9999-12-31", "--as-of", "9999-12-31"],
    ],
)
def test_a_far_future_as_of_or_the_widest_window_shows_everything(
    collected: dict[str, str], everything: list[dict[str, str]], window: list[str]
) -> None:
    shown = parse_csv(ok(run_cli(["show", "net-liquidity", "-f", "csv", *window], collected)))
    assert shown == everything and len(shown) > 900
    assert (shown[0]["date"], shown[-1]["date"]) == ("2007-01-03", "2025-11-12")


@pytest.mark.parametrize("what", ["WALCL", "net-liquidity"])
def test_an_as_of_before_year_one_in_utc_finds_nothing_public(
    collected: dict[str, str], what: str
) -> None:
    done = run_cli(["show", what, "--as-of", "0001-01-01T00:00:00+14:00"], collected)
    line = one_error(done, 1)
    assert "no WALCL value was public yet as of 0001-01-01T00:00:00+00:00" in line
    assert line.endswith(STORED)


@pytest.mark.parametrize(
    "options",
    [
        ["--as-of", "9999-12-31", "--start", "0001-01-01"],
        ["--as-of", "0001-01-01T00:00:00+14:00", "--start", "9999-12-31"],
    ],
)
def test_check_takes_extreme_instants_and_dates(
    collected: dict[str, str], options: list[str]
) -> None:
    ok(run_cli(["check", *options], collected))  # nothing to compare here: exit 0


def test_plot_takes_extreme_instants(collected: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "far.png"
    args = ["plot", "WALCL", "--as-of", "9999-12-31", "--start", "0001-01-01", "-o", str(out)]
    assert ok(run_cli(args, collected)).strip() == str(out)
    early = ["plot", "net-liquidity", "--as-of", "0001-01-01T00:00:00+14:00", "-o", str(out)]
    assert "no WALCL value was public yet" in one_error(run_cli(early, collected), 1)


def test_the_python_api_clamps_the_same_way(collected: dict[str, str]) -> None:
    settings = Settings(_env_file=None, duckdb_path=Path(collected["LIQUIDITY_DUCKDB_PATH"]))
    far = datetime(9999, 12, 31, 23, 0, tzinfo=ZoneInfo("America/New_York"))
    for as_of in ("9999-12-31", far, datetime(9999, 12, 31, 23, 59)):  # naive = UTC
        df = liquidity.series("WALCL", as_of=as_of, settings=settings)
        assert len(df) > 900
    early = datetime(1, 1, 1, tzinfo=ZoneInfo("Etc/GMT-14"))  # +14:00
    assert liquidity.series("WALCL", as_of=early, settings=settings).empty


# --- 10: --limit ----------------------------------------------------------------------


def test_a_negative_limit_is_refused(collected: dict[str, str]) -> None:
    line = one_error(run_cli(["show", "WALCL", "--limit", "-1", "-f", "csv"], collected), 2)
    assert "--limit" in line


def test_limit_zero_shows_no_rows_as_the_help_says(collected: dict[str, str]) -> None:
    help_text = ok(run_cli(["show", "--help"], collected))
    assert "0 = the header alone" in " ".join(help_text.split())
    csv_out = ok(run_cli(["show", "WALCL", "--limit", "0", "-f", "csv"], collected))
    assert csv_out.splitlines() == ["date,value,realtime_start,known_at,source"]
    assert ok(run_cli(["show", "WALCL", "--limit", "0", "-f", "json"], collected)).strip() == "[]"
    table = ok(run_cli(["show", "WALCL", "--limit", "0"], collected))
    assert "realtime_start" in table and "2025-11-12" not in table
    last = parse_csv(ok(run_cli(["show", "WALCL", "--limit", "1", "-f", "csv"], collected)))
    assert [r["date"] for r in last] == ["2025-11-12"]


# --- 12: an empty window is not "no data" ---------------------------------------------


@pytest.mark.parametrize("command", ["show", "plot"])
def test_start_after_end_is_a_bad_option(
    collected: dict[str, str], tmp_path: Path, command: str
) -> None:
    args = [command, "WALCL", "--start", "2025-11-01", "--end", "2025-01-01"]
    args += ["-o", str(tmp_path / "x.png")] if command == "plot" else []
    line = one_error(run_cli(args, collected), 2)
    assert "--start" in line and "2025-11-01 is after --end 2025-01-01" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["show", "WALCL", "--start", "2030-01-01"],
            f"error: no WALCL rows in the window --start 2030-01-01; {STORED}",
        ),
        (  # a Thursday and a Friday: between two weekly dates
            ["show", "WALCL", "--start", "2025-11-06", "--end", "2025-11-07"],
            f"error: no WALCL rows in the window --start 2025-11-06 --end 2025-11-07; {STORED}",
        ),
        (
            ["show", "net-liquidity", "--end", "2001-01-01"],
            f"error: no net-liquidity rows in the window --end 2001-01-01; {STORED}",
        ),
        (
            ["show", "WALCL", "--start", "2025-11-10", "--as-of", "2025-11-13T12:00:00Z"],
            "error: no WALCL rows in the window --start 2025-11-10 as of "
            "2025-11-13T12:00:00+00:00; known then: 2007-01-03 to 2025-11-05",
        ),
        (
            ["show", "WALCL", "--as-of", "2000-01-01"],
            f"error: no WALCL value was public yet as of 2000-01-01T23:59:59-05:00; {STORED}",
        ),
        (
            ["show", "DGS10"],  # really not collected
            "error: no data for DGS10; run `liquidity collect DGS10` first",
        ),
        (
            ["show", "net-liquidity", "--variant", "daily"],
            "error: no data for RRPONTSYD, WTREGEN, needed by net-liquidity "
            "(daily: WALCL, RRPONTSYD, WTREGEN); run `liquidity collect RRPONTSYD WTREGEN`",
        ),
    ],
)
def test_an_empty_answer_says_why(
    collected: dict[str, str], args: list[str], expected: str
) -> None:
    done = run_cli(args, collected)
    assert one_error(done, 1) == expected
    assert done.stderr.strip() == expected


def test_plot_of_an_empty_window_names_what_is_stored(
    collected: dict[str, str], tmp_path: Path
) -> None:
    args = ["plot", "net-liquidity", "--start", "2030-01-01", "-o", str(tmp_path / "x.png")]
    line = one_error(run_cli(args, collected), 1)
    assert line == f"error: no net-liquidity rows in the window --start 2030-01-01; {STORED}"


# --- 13: another process holds the DuckDB file ----------------------------------------

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])  # read-write: the lock a collect holds
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


Hold = Callable[[str, float], "subprocess.Popen[str]"]


@pytest.fixture
def hold_store() -> Iterator[Hold]:
    """``hold(path, seconds)``: a second process holds the file for writing, then exits."""
    started: list[subprocess.Popen[str]] = []

    def hold(path: str, seconds: float) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-c", HOLD, path, str(seconds)], stdout=subprocess.PIPE, text=True
        )
        started.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        return proc

    yield hold
    for proc in started:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


def test_show_waits_for_the_writer_then_answers(
    collected: dict[str, str], hold_store: Hold, tmp_path: Path
) -> None:
    # The writer lets go only once the reader says it waits: no race with a slow start.
    holder = hold_store(collected["LIQUIDITY_DUCKDB_PATH"], 120.0)
    env = {**collected, "LIQUIDITY_DUCKDB_LOCK_WAIT": "60"}
    err = tmp_path / "show.err"
    with err.open("w") as stderr:
        reader = subprocess.Popen(
            [sys.executable, "-m", "liquidity", "-v", "show", "WALCL", "--limit", "1", "-f", "csv"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        deadline = time.monotonic() + 60
        while "is held by another process: waiting" not in err.read_text():
            assert reader.poll() is None and time.monotonic() < deadline, err.read_text()
            time.sleep(0.05)
        holder.kill()
        holder.wait()
        out, _ = reader.communicate(timeout=60)
    assert reader.returncode == 0, err.read_text()
    assert [r["date"] for r in parse_csv(out)] == ["2025-11-12"]


def test_show_says_the_store_is_busy_when_the_writer_outlasts_the_wait(
    collected: dict[str, str], hold_store: Hold
) -> None:
    path = collected["LIQUIDITY_DUCKDB_PATH"]
    holder = hold_store(path, 120.0)
    env = {**collected, "LIQUIDITY_DUCKDB_LOCK_WAIT": "0.5"}
    began = time.monotonic()
    line = one_error(run_cli(["show", "net-liquidity"], env), 1)
    assert time.monotonic() - began >= 0.5
    assert line == (
        f"error: the DuckDB store {path} is busy, most likely with a `liquidity collect` "
        f"(process {holder.pid} has it open); waited 0.5s (LIQUIDITY_DUCKDB_LOCK_WAIT), "
        "try again when it is done"
    )
    assert holder.poll() is None  # still holding it


def test_the_store_without_a_wait_fails_at_once_with_the_busy_error(
    tmp_path: Path, hold_store: Hold
) -> None:
    path = tmp_path / "held.duckdb"
    DuckDBStore(path).close()
    hold_store(str(path), 120.0)
    with pytest.raises(StorageBusyError, match="is busy") as raised:
        DuckDBStore(path)  # the daemon's way: its loop must not block
    assert "waited" not in str(raised.value)
