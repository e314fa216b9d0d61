"""Bad input to the reading commands (show, plot, check), through the real ``liquidity``
command: a clear one-line error or a correct answer, never a traceback or "unexpected".

Issue 14, items 9 (extreme instants), 10 (``--limit``), 12 (an empty window said to be
"no data") and 13 (a read while another process holds the DuckDB file)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import cli_env, run_cli
from tests.replay import ReplayServer

# The weekly Net Liquidity components; in the fixtures each runs 2007-01-03 to 2025-11-12.
WEEKLY = ["WALCL", "WLRRAL", "WDTGAL"]
STORED = "stored: 2007-01-03 to 2025-11-12"


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One collect of the weekly components into a DuckDB file, shared by the module."""
    root = tmp_path_factory.mktemp("hardening")
    server = ReplayServer().start()
    try:
        env = cli_env(server, root / "h.duckdb", MPLCONFIGDIR=str(root / "mpl"))
        done = run_cli(["collect", *WEEKLY], env)
        assert done.returncode == 0, done.stderr
        yield env
    finally:
        server.stop()


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
