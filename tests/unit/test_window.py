"""The window of a read (``liquidity.window``): one parser for the API and the command
line, raising the project's ``ConfigError``, and a library that does not need the CLI."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

import liquidity
from liquidity.config import Settings
from liquidity.errors import ConfigError, LiquidityError
from liquidity.window import (
    EARLIEST,
    LATEST,
    NEW_YORK,
    Window,
    WindowError,
    parse_date,
    parse_instant,
)

SRC = Path(__file__).resolve().parents[2] / "src" / "liquidity"


def test_instants_naive_utc_bare_dates_end_of_day_in_new_york() -> None:
    assert parse_instant("2024-03-15T12:00:00") == datetime(2024, 3, 15, 12, tzinfo=UTC)
    assert parse_instant("2024-03-15T12:00:00Z") == datetime(2024, 3, 15, 12, tzinfo=UTC)
    offset = timezone(timedelta(hours=-4))
    assert parse_instant("2024-03-15T12:00:00-04:00") == datetime(2024, 3, 15, 12, tzinfo=offset)
    evening = datetime(2024, 3, 15, 23, 59, 59, 999999, tzinfo=NEW_YORK)
    assert parse_instant("2024-03-15") == evening
    assert parse_instant(datetime(2024, 3, 15, 12)) == datetime(2024, 3, 15, 12, tzinfo=UTC)
    assert parse_instant(None) is None


def test_extreme_instants_are_clamped_to_utcs_ends() -> None:
    assert parse_instant("9999-12-31") == LATEST
    assert parse_instant(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))) == EARLIEST


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: parse_instant("garbage"), "as_of: 'garbage' is not an ISO date or instant"),
        (lambda: parse_date("x", "start"), "start: 'x' is not a date (YYYY-MM-DD)"),
        (lambda: Window.parse(None, "2024-13-01", None), "end: '2024-13-01' is not a date"),
        (lambda: Window.parse("2025-11-01", "2025-01-01", None), "start: 2025-11-01 is after end"),
        (lambda: Window(date(2025, 11, 1), date(2025, 1, 1)), "start: 2025-11-01 is after end"),
    ],
)
def test_bad_input_is_a_one_line_config_error(call: object, message: str) -> None:
    with pytest.raises(WindowError) as caught:
        call()  # type: ignore[operator]
    assert isinstance(caught.value, ConfigError)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_labels_name_the_fields_as_the_caller_does() -> None:
    options = {"start": "--start", "end": "--end", "as_of": "--as-of"}
    with pytest.raises(WindowError) as caught:
        Window.parse("2025-11-01", "2025-01-01", None, options)
    assert (caught.value.label, caught.value.problem) == (
        "--start",
        "2025-11-01 is after --end 2025-01-01",
    )


def test_a_window_parses_dates_and_instants_or_takes_them_as_they_are() -> None:
    window = Window.parse("2024-01-01", date(2024, 12, 31), "2025-01-01T00:00:00Z")
    assert window == Window(date(2024, 1, 1), date(2024, 12, 31), datetime(2025, 1, 1, tzinfo=UTC))
    assert Window.parse(None, None, None) == Window()


@pytest.mark.parametrize(
    "call",
    [
        lambda s: liquidity.net_liquidity(as_of="garbage", settings=s),
        lambda s: liquidity.net_liquidity(start="2024-02-30", settings=s),
        lambda s: liquidity.series("WALCL", start="x", settings=s),
        lambda s: liquidity.series("WALCL", end="2024/01/01", settings=s),
        lambda s: liquidity.series("WALCL", as_of="yesterday", settings=s),
        lambda s: liquidity.series("WALCL", start="2025-11-01", end="2025-01-01", settings=s),
    ],
)
def test_the_python_api_raises_a_liquidity_error(settings: Settings, call: object) -> None:
    with pytest.raises(ConfigError) as caught:
        call(settings)  # type: ignore[operator]
    assert isinstance(caught.value, LiquidityError)


def test_no_module_outside_the_cli_imports_it() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.parent.name == "cli" or path.name == "__main__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n == "liquidity.cli" or n.startswith("liquidity.cli.") for n in names):
                offenders.append(path.relative_to(SRC).as_posix())
    assert offenders == []
