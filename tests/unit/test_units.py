"""FRED's units texts, as FRED really writes them, parse into a dimension and a scale."""

from __future__ import annotations

import pytest

from liquidity.catalog.active import SERIES
from liquidity.errors import UnitError
from liquidity.registry import Unit
from liquidity.registry.units import Measure, factor, parse_units
from liquidity.sources.fred_api import unit_factor

# FRED's exact `units` texts for every FRED series we collect,
# seen in public recordings of its metadata (RRPONTSYD's has no dots).
FRED_UNITS = {
    "WALCL": "Millions of U.S. Dollars",
    "WLRRAL": "Millions of U.S. Dollars",
    "WDTGAL": "Millions of U.S. Dollars",
    "WTREGEN": "Millions of U.S. Dollars",
    "RRPONTSYD": "Billions of US Dollars",
    "DGS10": "Percent",
    "DGS2": "Percent",
    "BAMLH0A0HYM2": "Percent",
    "VIXCLS": "Index",
    "SOFR": "Percent",  # shared/data/fred/series/SOFR.json (a recorded cassette)
}
# Catalog series whose FRED metadata no recording here holds: their units were checked
# against the values of the recorded CSVs instead (WRESBAL in millions: 2024-01-03 is
# 3262895, i.e. 3.26 trillion; the rates in percent: IORB 5.40 in 2024).
UNRECORDED = {"WRESBAL", "IORB", "EFFR"}


def test_every_fred_series_covered() -> None:
    fred = {s.id for s in SERIES.values() if s.source == "fred"}
    assert fred == set(FRED_UNITS) | UNRECORDED


@pytest.mark.parametrize(("series_id", "text"), sorted(FRED_UNITS.items()))
def test_real_texts_match_the_registry_with_factor_one(series_id: str, text: str) -> None:
    spec = SERIES[series_id]
    assert unit_factor(spec, {"units": text}) == 1.0


@pytest.mark.parametrize(
    ("text", "measure"),
    [
        ("Billions of US Dollars", Measure("usd", 1e9)),
        ("Billions of U.S. Dollars", Measure("usd", 1e9)),
        ("billions of u.s. dollars", Measure("usd", 1e9)),
        ("  Billions  of   U. S.  Dollars ", Measure("usd", 1e9)),
        ("Bil. of US $", Measure("usd", 1e9)),  # units_short
        ("Bil. of $", Measure("usd", 1e9)),
        ("Billions of Dollars", Measure("usd", 1e9)),
        ("Mil. of U.S. $", Measure("usd", 1e6)),
        ("Thousands of U.S. Dollars", Measure("usd", 1e3)),
        ("Trillions of US Dollars", Measure("usd", 1e12)),
        ("U.S. Dollars", Measure("usd", 1.0)),
        ("Billions of Chained 2017 Dollars", Measure("usd chained 2017", 1e9)),
        ("Percent", Measure("percent", 1.0)),
        ("%", Measure("percent", 1.0)),
        ("Index", Measure("index", 1.0)),
        ("Index 2015=100", Measure("index", 1.0)),
    ],
)
def test_variants_parse(text: str, measure: Measure) -> None:
    assert parse_units(text) == measure


@pytest.mark.parametrize(
    "text", ["Thousands of Widgets", "Gazillions of Dollars", "", "Dollars per Barrel", "Euro"]
)
def test_unknown_text_is_refused(text: str) -> None:
    with pytest.raises(UnitError, match="unknown unit"):
        parse_units(text)


def test_scale_change_converts_and_dimension_change_refuses() -> None:
    # WTREGEN was published in billions once: a billions text converts to the registry's millions.
    assert unit_factor(SERIES["WTREGEN"], {"units": "Billions of US Dollars"}) == 1000.0
    assert factor(parse_units("Millions of U.S. Dollars"), Unit.USD_BILLIONS) == 1e-3
    with pytest.raises(UnitError) as refused:
        unit_factor(SERIES["WALCL"], {"units": "Billions of Chained 2017 Dollars"})
    assert str(refused.value) == (
        "fred: WALCL: unit 'Billions of Chained 2017 Dollars' cannot be USD millions"
    )
    with pytest.raises(UnitError, match=r"^fred: DGS10: unknown unit 'Basis Widgets', expected"):
        unit_factor(SERIES["DGS10"], {"units": "Basis Widgets"})
