"""One table of every series we collect: source, unit, release, staleness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from liquidity.errors import ConfigError
from liquidity.registry import releases
from liquidity.registry.releases import Release
from liquidity.registry.units import Unit

FRED = "fred"
YAHOO = "yahoo"


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    id: str
    source: str
    symbol: str
    title: str
    unit: Unit
    frequency: str  # "weekly" | "daily"
    release: Release
    stale_after: timedelta  # past the expected release, when it is overdue

    @property
    def usd_millions_factor(self) -> float | None:
        """Factor to USD millions, or ``None`` when the series is not money."""
        if self.unit.dimension != "usd":
            return None
        return self.unit.scale / Unit.USD_MILLIONS.scale


_WEEK = timedelta(days=8)
_DAYS = timedelta(days=4)

_ALL = (
    SeriesSpec("WALCL", FRED, "WALCL", "Fed total assets (Wednesday level)",
               Unit.USD_MILLIONS, "weekly", releases.H41, _WEEK),
    SeriesSpec("WLRRAL", FRED, "WLRRAL", "Reverse repurchase agreements (Wednesday level)",
               Unit.USD_MILLIONS, "weekly", releases.H41, _WEEK),
    SeriesSpec("WDTGAL", FRED, "WDTGAL", "Treasury General Account (Wednesday level)",
               Unit.USD_MILLIONS, "weekly", releases.H41, _WEEK),
    SeriesSpec("WTREGEN", FRED, "WTREGEN", "Treasury General Account (week average)",
               Unit.USD_MILLIONS, "weekly", releases.H41, _WEEK),
    SeriesSpec("RRPONTSYD", FRED, "RRPONTSYD", "Overnight reverse repo, accepted (daily)",
               Unit.USD_BILLIONS, "daily", releases.NYFED_RRP, _DAYS),
    SeriesSpec("DGS10", FRED, "DGS10", "10-year Treasury constant maturity yield",
               Unit.PERCENT, "daily", releases.H15, _DAYS),
    SeriesSpec("DGS2", FRED, "DGS2", "2-year Treasury constant maturity yield",
               Unit.PERCENT, "daily", releases.H15, _DAYS),
    SeriesSpec("BAMLH0A0HYM2", FRED, "BAMLH0A0HYM2", "ICE BofA US high yield OAS",
               Unit.PERCENT, "daily", releases.ICE_OAS, _DAYS),
    SeriesSpec("VIXCLS", FRED, "VIXCLS", "CBOE VIX close (FRED)",
               Unit.INDEX, "daily", releases.CBOE_FRED, _DAYS),
    SeriesSpec("MOVE", YAHOO, "^MOVE", "ICE BofA MOVE index (Yahoo)",
               Unit.INDEX, "daily", releases.ICE_MOVE_CLOSE, _DAYS),
    SeriesSpec("VIX", YAHOO, "^VIX", "CBOE VIX (Yahoo)",
               Unit.INDEX, "daily", releases.CBOE_CLOSE, _DAYS),
)  # fmt: skip

SERIES: dict[str, SeriesSpec] = {spec.id: spec for spec in _ALL}


def get(series_id: str) -> SeriesSpec:
    try:
        return SERIES[series_id.upper()]
    except KeyError:
        known = ", ".join(SERIES)
        raise ConfigError(f"unknown series {series_id!r}; known: {known}") from None


def series_for_source(source: str) -> list[SeriesSpec]:
    return [spec for spec in _ALL if spec.source == source]
