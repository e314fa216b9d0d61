from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from liquidity.catalog.active import SERIES, get
from liquidity.errors import ConfigError, UnitError
from liquidity.registry import Unit, convert, unit_from_fred
from liquidity.registry.releases import H15, H41


def test_every_mission_series_is_registered() -> None:
    expected = {
        "WALCL",
        "WLRRAL",
        "WDTGAL",
        "WTREGEN",
        "RRPONTSYD",
        "DGS10",
        "DGS2",
        "BAMLH0A0HYM2",
        "VIXCLS",
        "MOVE",
        "VIX",
        "RRP_NYFED",
        "TGA_DTS",
        "WRESBAL",
        "SOFR",
        "IORB",
        "EFFR",
    }
    assert set(SERIES) == expected
    assert get("move").symbol == "^MOVE" and get("VIX").symbol == "^VIX"


def test_money_factors_to_usd_millions() -> None:
    assert get("WALCL").usd_millions_factor == 1.0
    assert get("RRPONTSYD").usd_millions_factor == 1000.0
    assert get("DGS10").usd_millions_factor is None


def test_unit_conversion_and_fred_units() -> None:
    assert convert(2.5, Unit.USD_BILLIONS, Unit.USD_MILLIONS) == 2500.0
    assert unit_from_fred("Billions of U.S. Dollars") == Unit.USD_BILLIONS.value
    assert unit_from_fred("Thousands of Widgets") is None
    with pytest.raises(UnitError):
        convert(1.0, Unit.PERCENT, Unit.USD_MILLIONS)


def test_unknown_series_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="WALCL"):
        get("NOPE")


@pytest.mark.parametrize(
    ("wednesday", "expected_utc"),
    [
        (date(2026, 1, 7), datetime(2026, 1, 8, 21, 30, tzinfo=UTC)),  # EST: 16:30 = 21:30Z
        (date(2026, 7, 1), datetime(2026, 7, 2, 20, 30, tzinfo=UTC)),  # EDT: 16:30 = 20:30Z
        (date(2026, 3, 4), datetime(2026, 3, 5, 21, 30, tzinfo=UTC)),  # before DST (Mar 8)
        (date(2026, 3, 11), datetime(2026, 3, 12, 20, 30, tzinfo=UTC)),  # after DST
    ],
)
def test_h41_released_thursday_1630_new_york(wednesday: date, expected_utc: datetime) -> None:
    assert H41.first_release(wednesday) == expected_utc


def test_business_day_lag_skips_weekends() -> None:
    assert H15.release_date(date(2026, 8, 7)) == date(2026, 8, 10)  # Friday -> Monday
    assert H15.release_date(date(2026, 8, 5)) == date(2026, 8, 6)


def test_releases_move_past_holidays() -> None:
    from liquidity.registry.releases import CBOE_CLOSE, DTS, is_business_day

    # Thanksgiving 2026 is Thursday 26 November: that week's H.4.1 comes out on Friday.
    assert H41.release_date(date(2026, 11, 25)) == date(2026, 11, 27)
    assert H15.release_date(date(2026, 11, 25)) == date(2026, 11, 27)
    # Columbus Day is a Fed holiday but NYSE trades; Good Friday is the reverse.
    assert not is_business_day(date(2026, 10, 12)) and is_business_day(date(2026, 10, 12), "nyse")
    assert is_business_day(date(2026, 4, 3)) and not is_business_day(date(2026, 4, 3), "nyse")
    assert not CBOE_CLOSE.observes(date(2026, 4, 3))
    assert DTS.release_date(date(2026, 10, 9)) == date(2026, 10, 13)  # Friday -> Tuesday
