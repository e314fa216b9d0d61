"""The packaged holiday table is the ``holidays`` library's output, and stands in for it."""

from __future__ import annotations

from datetime import date

import pytest

from liquidity.registry.calendars import CALENDARS, from_library, holidays_in
from liquidity.registry.holiday_dates import DAYS
from tests.support.cli import python_prints


@pytest.mark.parametrize("calendar", CALENDARS)
def test_table_equals_the_installed_library(calendar: str) -> None:
    """Fails when the library changes a calendar: run ``python -m liquidity.registry.calendars``."""
    differ = [
        year
        for year in DAYS[calendar]
        if holidays_in(calendar, year) != from_library(calendar, year)
    ]
    assert differ == [], f"{calendar} holidays changed in {differ}: regenerate holiday_dates.py"


def test_years_outside_the_table_ask_the_library() -> None:
    last = max(DAYS["fed"])
    assert last + 1 not in DAYS["fed"]
    christmas = date(last + 1, 12, 25)
    assert christmas in holidays_in("fed", last + 1) or christmas.weekday() >= 5
    assert holidays_in("nyse", 1900) == from_library("nyse", 1900)


def test_known_days() -> None:
    assert date(2026, 11, 26) in holidays_in("fed", 2026)  # Thanksgiving
    assert date(2025, 1, 9) in holidays_in("nyse", 2025)  # closed for President Carter
    assert date(2025, 1, 9) not in holidays_in("fed", 2025)


def test_a_collect_never_imports_the_library() -> None:
    """The point of the table: ~0.6 s and ~25 MB saved on every process start."""
    code = (
        "import sys; from datetime import date; from liquidity.catalog.active import SERIES;"
        "[s.release.first_release(date(2026, 11, 25)) for s in SERIES.values()];"
        "print('holidays' in sys.modules)"
    )
    assert python_prints(code) == "False"
