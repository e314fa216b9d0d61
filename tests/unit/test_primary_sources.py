"""NY Fed ON RRP and Treasury DTS TGA: transforms checked against the fixture files."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from liquidity.errors import MalformedResponseError
from liquidity.registry import SeriesSpec, Unit
from liquidity.registry.releases import Release
from liquidity.sources import nyfed, treasury
from liquidity.sources.base import FetchRequest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
NY = ZoneInfo("America/New_York")
RRP = SeriesSpec(
    "RRP_NYFED",
    "nyfed",
    "ON RRP",
    "NY Fed ON RRP accepted",
    Unit.USD_BILLIONS,
    "daily",
    Release("NY Fed", time(13, 15)),
    timedelta(days=4),
)
TGA = SeriesSpec(
    "TGA_DTS",
    "treasury_dts",
    "TGA",
    "TGA closing balance (DTS)",
    Unit.USD_MILLIONS,
    "daily",
    Release("DTS", time(16, 0), 1, True),
    timedelta(days=4),
)


def nyfed_body() -> dict[str, object]:
    return json.loads((FIXTURES / "nyfed" / "reverserepo_search.json").read_bytes())


def test_nyfed_daily_totals_match_the_recorded_operations() -> None:
    result = nyfed.transform(nyfed_body(), FetchRequest(RRP, date(2022, 1, 1)), NOW)
    with (FIXTURES / "nyfed" / "reverserepo_ops_flattened.csv").open(newline="") as handle:
        expected: dict[str, float] = {}
        for row in csv.DictReader(handle):
            expected[row["operationDate"]] = (
                expected.get(row["operationDate"], 0.0) + int(row["totalAmtAccepted"]) / 1e9
            )
    got = {o.date.isoformat(): o.value for o in result.observations}
    assert got == pytest.approx(expected)
    assert got["2025-11-05"] == pytest.approx(12.814)  # regular 12.700 + small value exercise 0.114
    last = result.observations[-1]
    assert last.date == date(2025, 11, 24)
    assert last.known_at == datetime(2025, 11, 24, 13, 16, 2, tzinfo=NY)  # its lastUpdated


def test_nyfed_agrees_with_fred_rrpontsyd_within_a_tenth_of_a_billion() -> None:
    result = nyfed.transform(nyfed_body(), FetchRequest(RRP, date(2022, 1, 1)), NOW)
    with (FIXTURES / "fred" / "csv" / "RRPONTSYD.csv").open(newline="") as handle:
        fred = {d: float(v) for d, v in list(csv.reader(handle))[1:] if v}
    pairs = [
        (o.value, fred[o.date.isoformat()])
        for o in result.observations
        if o.date.isoformat() in fred
    ]
    assert len(pairs) > 900
    assert max(abs(a - b) for a, b in pairs) < 0.1


def test_nyfed_malformed_payload() -> None:
    no_date = {"operationType": "Reverse Repo", "auctionStatus": "Results"}
    with pytest.raises(MalformedResponseError, match="nyfed"):
        nyfed.transform(
            {"repo": {"operations": [no_date]}}, FetchRequest(RRP, date(2022, 1, 1)), NOW
        )


def dts_pages(size: int) -> list[dict[str, object]]:
    body = json.loads((FIXTURES / "treasury" / "operating_cash_balance.json").read_bytes())
    data = body["data"]
    pages = [data[i : i + size] for i in range(0, len(data), size)]
    return [{"data": p, "meta": {"total-pages": len(pages)}} for p in pages]


def test_dts_reads_each_era_from_its_row_and_field() -> None:
    result = treasury.transform(dts_pages(1000), FetchRequest(TGA, date(2021, 1, 1)), NOW)
    got = {o.date: o.value for o in result.observations}
    with (FIXTURES / "fred" / "csv_legacy" / "WDTGAL_2018-2022_DATE-header.csv").open() as f:
        wdtgal = {date.fromisoformat(d): float(v) for d, v in list(csv.reader(f))[1:]}
    wednesdays = [d for d in got if d.weekday() == 2]
    october, november = date(2021, 10, 1), date(2021, 11, 1)
    eras = {
        "Federal Reserve Account": [d for d in wednesdays if d < october],
        "Treasury General Account (TGA)": [d for d in wednesdays if october <= d < november],
        "Closing Balance row": [d for d in wednesdays if d >= november],
    }
    for era, days in eras.items():
        assert days, era
        assert all(got[d] == wdtgal[d] for d in days), era
    assert result.missing == 0
    # Deposits, withdrawals and tax-and-loan rows never leak into the balance.
    assert all(v > 1000 for v in got.values())


def test_dts_known_at_is_next_business_day_at_four() -> None:
    result = treasury.transform(dts_pages(10_000), FetchRequest(TGA, date(2022, 12, 16)), NOW)
    friday = next(o for o in result.observations if o.date == date(2022, 12, 16))
    assert friday.known_at == datetime(2022, 12, 19, 16, 0, tzinfo=NY)  # the Monday


def test_dts_null_closing_balance_is_missing_not_zero() -> None:
    row = {
        "record_date": "2022-01-03",
        "account_type": "Treasury General Account (TGA) Closing Balance",
        "open_today_bal": "null",
        "close_today_bal": "null",
    }
    pages = [{"data": [row], "meta": {"total-pages": 1}}]
    result = treasury.transform(pages, FetchRequest(TGA, date(2022, 1, 1)), NOW)
    assert result.observations == [] and result.missing == 1
