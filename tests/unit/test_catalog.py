from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from liquidity.catalog import (
    PACKAGE,
    check_file,
    default_catalog,
    load_catalog,
    user_catalog_path,
)
from liquidity.errors import ConfigError
from liquidity.registry import releases as R
from liquidity.registry.releases import H41, UNSCHEDULED
from liquidity.registry.spec import FRED, NYFED, TREASURY, YAHOO, SeriesSpec
from liquidity.registry.units import Unit

H41_RELEASE = 20
H15_RELEASE = 18
ICE_BOFA_RELEASE = 209

_WEEK = timedelta(days=8)
_DAYS = timedelta(days=4)

TODAY = (  # registry/series.py before the catalog (issue 16), verbatim
    SeriesSpec(
        "WALCL",
        FRED,
        "WALCL",
        "Fed total assets (Wednesday level)",
        Unit.USD_MILLIONS,
        "weekly",
        R.H41,
        _WEEK,
        H41_RELEASE,
    ),
    SeriesSpec(
        "WLRRAL",
        FRED,
        "WLRRAL",
        "Reverse repurchase agreements (Wednesday level)",
        Unit.USD_MILLIONS,
        "weekly",
        R.H41,
        _WEEK,
        H41_RELEASE,
    ),
    SeriesSpec(
        "WDTGAL",
        FRED,
        "WDTGAL",
        "Treasury General Account (Wednesday level)",
        Unit.USD_MILLIONS,
        "weekly",
        R.H41,
        _WEEK,
        H41_RELEASE,
    ),
    SeriesSpec(
        "WTREGEN",
        FRED,
        "WTREGEN",
        "Treasury General Account (week average)",
        Unit.USD_MILLIONS,
        "weekly",
        R.H41,
        _WEEK,
        H41_RELEASE,
    ),
    SeriesSpec(
        "RRPONTSYD",
        FRED,
        "RRPONTSYD",
        "Overnight reverse repo, accepted (daily)",
        Unit.USD_BILLIONS,
        "daily",
        R.NYFED_RRP,
        _DAYS,
    ),
    SeriesSpec(
        "DGS10",
        FRED,
        "DGS10",
        "10-year Treasury constant maturity yield",
        Unit.PERCENT,
        "daily",
        R.H15,
        _DAYS,
        H15_RELEASE,
    ),
    SeriesSpec(
        "DGS2",
        FRED,
        "DGS2",
        "2-year Treasury constant maturity yield",
        Unit.PERCENT,
        "daily",
        R.H15,
        _DAYS,
        H15_RELEASE,
    ),
    SeriesSpec(
        "BAMLH0A0HYM2",
        FRED,
        "BAMLH0A0HYM2",
        "ICE BofA US high yield OAS",
        Unit.PERCENT,
        "daily",
        R.ICE_OAS,
        _DAYS,
        ICE_BOFA_RELEASE,
    ),
    SeriesSpec(
        "VIXCLS", FRED, "VIXCLS", "CBOE VIX close (FRED)", Unit.INDEX, "daily", R.CBOE_FRED, _DAYS
    ),
    SeriesSpec(
        "MOVE",
        YAHOO,
        "^MOVE",
        "ICE BofA MOVE index (Yahoo)",
        Unit.INDEX,
        "daily",
        R.ICE_MOVE_CLOSE,
        _DAYS,
    ),
    SeriesSpec("VIX", YAHOO, "^VIX", "CBOE VIX (Yahoo)", Unit.INDEX, "daily", R.CBOE_CLOSE, _DAYS),
    SeriesSpec(
        "RRP_NYFED",
        NYFED,
        "reverserepo",
        "ON RRP accepted (NY Fed operations)",
        Unit.USD_BILLIONS,
        "daily",
        R.NYFED_RRP,
        _DAYS,
    ),
    SeriesSpec(
        "TGA_DTS",
        TREASURY,
        "operating_cash_balance",
        "Treasury General Account closing balance (Daily Treasury Statement)",
        Unit.USD_MILLIONS,
        "daily",
        R.DTS,
        _DAYS,
    ),
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog.toml"
    path.write_text(text)
    return path


def test_default_catalog_declares_exactly_the_registry_series() -> None:
    catalog = default_catalog()
    for spec in TODAY:  # ``quantity`` came later (issue 19): it pairs sources of one thing
        assert replace(catalog.series[spec.id].spec, quantity=None) == spec
        assert catalog.series[spec.id].origin == PACKAGE
    quantities = {s: e.spec.quantity for s, e in catalog.series.items() if e.spec.quantity}
    assert quantities == {
        "VIX": "VIX",
        "VIXCLS": "VIX",
        "RRPONTSYD": "ON RRP accepted",
        "RRP_NYFED": "ON RRP accepted",
    }
    added = set(catalog.series) - {s.id for s in TODAY}
    assert added == {"WRESBAL", "SOFR", "IORB", "EFFR"}
    assert set(catalog.derived) == {"NETLIQ_WEEKLY", "NETLIQ_DAILY", "NETLIQ_PRIMARY", "SOFR_IORB"}
    assert catalog.derived["SOFR_IORB"].unit is Unit.BASIS_POINTS
    assert catalog.derived["SOFR_IORB"].factor == pytest.approx(100.0)
    assert catalog.derived["NETLIQ_DAILY"].unit is Unit.USD_MILLIONS


def test_user_catalog_adds_and_overrides(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[series.WRESBAL]
source = "fred"
unit = "Billions of U.S. Dollars"
release = "H.4.1"
frequency = "weekly"

[series.GOLD]
source = "yahoo"
symbol = "GC=F"
unit = "index points"

[derived.NETLIQ_EX_FOREIGN]
formula = "WALCL - RRPONTSYD - WTREGEN"
dates = "RRPONTSYD"
""",
    )
    catalog = load_catalog(path, keyed=False)
    wresbal = catalog.series["WRESBAL"]
    assert wresbal.origin == str(path) and wresbal.spec.unit is Unit.USD_BILLIONS
    assert wresbal.spec.release is H41 and wresbal.spec.symbol == "WRESBAL"
    assert catalog.series["GOLD"].spec.release is UNSCHEDULED
    assert catalog.derived["NETLIQ_EX_FOREIGN"].operands == ("WALCL", "RRPONTSYD", "WTREGEN")
    assert catalog.origin("WALCL") == PACKAGE


def test_every_problem_is_one_line_naming_the_entry(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[series.A]
source = "frd"
unit = "USD millions"
[series.B]
source = "fred"
[series.C]
source = "fred"
unit = "parsecs"
release = "H.99"
[derived.X]
formula = "WALCL + DGS10"
[derived.Y]
formula = "NOPE - WALCL"
[derived.P]
formula = "Q + WALCL"
[derived.Q]
formula = "P - WALCL"
[derived.R]
formula = "WALCL -"
[derived.S]
formula = "WALCL - WTREGEN"
dates = "RRPONTSYD"
""",
    )
    problems = check_file(path, keyed=False)
    text = "\n".join(problems)
    expected = [
        "series.A: source 'frd' is not one of fred, yahoo, nyfed, treasury_dts",
        "series.B: unit: required without a FRED API key",
        "series.C: unknown unit 'parsecs'",
        "series.C: release 'H.99' is not a known calendar",
        "derived.X: cannot add percent and usd",
        "derived.Y: formula names unknown series 'NOPE'",
        "cycle of derived series: P -> Q -> P",
        "derived.R: formula 'WALCL -' ends too early",
        "derived.S: dates 'RRPONTSYD' is not an operand",
    ]
    for line in expected:
        assert line in text
    assert all(p.startswith(str(path)) for p in problems)
    assert len(problems) == len(expected)
    with pytest.raises(ConfigError) as info:
        load_catalog(path, keyed=False)
    assert str(info.value).count("\n") == len(expected) - 1


def test_a_bad_file_is_one_problem(tmp_path: Path) -> None:
    assert check_file(_write(tmp_path, "[series.A\n"), keyed=False)[0].count("not TOML") == 1
    missing = tmp_path / "absent.toml"
    assert "cannot read" in check_file(missing, keyed=False)[0]
    assert load_catalog(missing, keyed=False).series  # an absent default file is no catalog


def test_user_catalog_path() -> None:
    assert user_catalog_path({"LIQUIDITY_CATALOG": "/x/c.toml"}) == (Path("/x/c.toml"), True)
    path, explicit = user_catalog_path({"XDG_CONFIG_HOME": "/cfg"})
    assert path == Path("/cfg/liquidity/catalog.toml") and not explicit


def test_a_unit_declared_for_a_formula_must_match_its_dimension(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[derived.BAD]
formula = "SOFR - IORB"
unit = "USD millions"
[derived.RATIO]
formula = "WALCL / WTREGEN"
""",
    )
    problems = check_file(path, keyed=False)
    assert any(
        "derived.BAD: unit 'USD millions' is usd, the formula gives percent" in p for p in problems
    )
    assert any(
        "derived.RATIO: unit: required (the formula gives a pure number)" in p for p in problems
    )


def test_a_series_without_a_release_is_known_when_seen() -> None:
    """No calendar: due on its own date (vetting accepts it), public when we saw it (the
    fetch instant caps ``first_release``): never earlier, so no look-ahead."""
    from datetime import UTC, date, datetime

    day = date(2024, 5, 1)
    seen = datetime(2024, 8, 1, 12, tzinfo=UTC)
    assert UNSCHEDULED.release_date(day) == day
    assert min(UNSCHEDULED.first_release(day), seen) == seen


# -- a keyed FRED entry without unit = takes FRED's (issue 16) --------------------------------

FROM_FRED = """
[series.WRESBAL]
source = "fred"
release = "H.4.1"
frequency = "weekly"

[series.RESERVES]
source = "fred"
symbol = "WRESBAL"
unit = "USD billions"

[series.GOLD]
source = "yahoo"
symbol = "GC=F"
unit = "index points"

[derived.RESERVES_LESS_ASSETS]
formula = "WRESBAL - WALCL"
"""
FRED_SAYS = {"WRESBAL": "Millions of U.S. Dollars"}


def test_a_keyed_fred_entry_without_unit_takes_freds(tmp_path: Path) -> None:
    from liquidity.catalog import units_from_fred
    from liquidity.catalog.load import DECLARED, FRED_UNIT

    path = _write(tmp_path, FROM_FRED)
    assert units_from_fred(path) == {f"{path}: series.WRESBAL": "WRESBAL"}  # only that one
    catalog = load_catalog(path, keyed=True, fred_units=FRED_SAYS)
    wresbal = catalog.series["WRESBAL"]
    assert wresbal.spec.unit is Unit.USD_MILLIONS and wresbal.unit_from == FRED_UNIT
    assert catalog.series["RESERVES"].unit_from == DECLARED
    assert catalog.series["WALCL"].unit_from == DECLARED
    derived = catalog.derived["RESERVES_LESS_ASSETS"]
    assert derived.unit is Unit.USD_MILLIONS and derived.scales == {"WRESBAL": 1.0, "WALCL": 1.0}


def test_freds_unit_is_checked_like_a_declared_one(tmp_path: Path) -> None:
    path = _write(tmp_path, FROM_FRED + '[derived.BAD]\nformula = "WRESBAL + DGS10"\n')
    problems = check_file(path, keyed=True, fred_units=FRED_SAYS)
    assert problems == [f"{path}: derived.BAD: cannot add percent and usd"]
    thousands = check_file(path, keyed=True, fred_units={"WRESBAL": "Thousands of Dollars"})
    assert len(thousands) == 1  # BAD reads a refused series: not reported again
    assert thousands[0].startswith(f"{path}: series.WRESBAL: unit from FRED's metadata: ")
    assert thousands[0].endswith("declare one (unit =)")


def test_without_a_key_or_freds_answer_the_unit_is_required(tmp_path: Path) -> None:
    from liquidity.catalog.load import UNASKED

    path = _write(tmp_path, FROM_FRED)
    keyless = check_file(path, keyed=False, fred_units=FRED_SAYS)  # a cache is not enough
    assert keyless == [f"{path}: series.WRESBAL: unit: required without a FRED API key"]
    assert check_file(path, keyed=True) == [f"{path}: series.WRESBAL: {UNASKED}"]
    yahoo = _write(tmp_path, '[series.GOLD]\nsource = "yahoo"\n')
    assert check_file(yahoo, keyed=True) == [
        f"{yahoo}: series.GOLD: unit: required (only FRED's metadata names a unit)"
    ]


def test_the_unit_cache_round_trips_and_forgives(tmp_path: Path) -> None:
    from liquidity.catalog import unit_cache

    path = tmp_path / "data" / "fred_units.json"
    assert unit_cache.read(path) == {}
    unit_cache.write(path, {"WRESBAL": "Millions of U.S. Dollars", "DGS10": "Percent"})
    assert unit_cache.read(path) == {"DGS10": "Percent", "WRESBAL": "Millions of U.S. Dollars"}
    path.write_text("{not json")
    assert unit_cache.read(path) == {}  # a broken cache is asked again, never fatal
    path.write_text('{"fred_units": ["WRESBAL"]}')
    assert unit_cache.read(path) == {}
