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
NYFED = "nyfed"
TREASURY = "treasury_dts"
SOURCES = (FRED, YAHOO, NYFED, TREASURY)


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
    # FRED's release_id: series of one release share one ``release/series`` listing
    # (their ``last_updated`` in one request). None: not known, or not a FRED series.
    fred_release: int | None = None

    @property
    def usd_millions_factor(self) -> float | None:
        """Factor to USD millions, or ``None`` when the series is not money."""
        if self.unit.dimension != "usd":
            return None
        return self.unit.scale / Unit.USD_MILLIONS.scale


# FRED release ids (fred/release/series?release_id=N). H.4.1 and H.15 are FRED's
# documented ids; 209 is "ICE BofA Indices". RRPONTSYD ("Temporary Open Market
# Operations") and VIXCLS ("CBOE Market Statistics") are alone in theirs among our
# series, so a per-series ``series`` request is already one request for the release:
# their ids are left unset rather than guessed.
H41_RELEASE = 20
H15_RELEASE = 18
ICE_BOFA_RELEASE = 209

_WEEK = timedelta(days=8)
_DAYS = timedelta(days=4)

_ALL = (
    SeriesSpec("WALCL", FRED, "WALCL", "Fed total assets (Wednesday level)",
               Unit.USD_MILLIONS, "weekly", releases.H41, _WEEK, H41_RELEASE),
    SeriesSpec("WLRRAL", FRED, "WLRRAL", "Reverse repurchase agreements (Wednesday level)",
               Unit.USD_MILLIONS, "weekly", releases.H41, _WEEK, H41_RELEASE),
    SeriesSpec("WDTGAL", FRED, "WDTGAL", "Treasury General Account (Wednesday level)",
               Unit.USD_MILLIONS, "weekly", releases.H41, _WEEK, H41_RELEASE),
    SeriesSpec("WTREGEN", FRED, "WTREGEN", "Treasury General Account (week average)",
               Unit.USD_MILLIONS, "weekly", releases.H41, _WEEK, H41_RELEASE),
    SeriesSpec("RRPONTSYD", FRED, "RRPONTSYD", "Overnight reverse repo, accepted (daily)",
               Unit.USD_BILLIONS, "daily", releases.NYFED_RRP, _DAYS),
    SeriesSpec("DGS10", FRED, "DGS10", "10-year Treasury constant maturity yield",
               Unit.PERCENT, "daily", releases.H15, _DAYS, H15_RELEASE),
    SeriesSpec("DGS2", FRED, "DGS2", "2-year Treasury constant maturity yield",
               Unit.PERCENT, "daily", releases.H15, _DAYS, H15_RELEASE),
    SeriesSpec("BAMLH0A0HYM2", FRED, "BAMLH0A0HYM2", "ICE BofA US high yield OAS",
               Unit.PERCENT, "daily", releases.ICE_OAS, _DAYS, ICE_BOFA_RELEASE),
    SeriesSpec("VIXCLS", FRED, "VIXCLS", "CBOE VIX close (FRED)",
               Unit.INDEX, "daily", releases.CBOE_FRED, _DAYS),
    SeriesSpec("MOVE", YAHOO, "^MOVE", "ICE BofA MOVE index (Yahoo)",
               Unit.INDEX, "daily", releases.ICE_MOVE_CLOSE, _DAYS),
    SeriesSpec("VIX", YAHOO, "^VIX", "CBOE VIX (Yahoo)",
               Unit.INDEX, "daily", releases.CBOE_CLOSE, _DAYS),
    SeriesSpec("RRP_NYFED", NYFED, "reverserepo", "ON RRP accepted (NY Fed operations)",
               Unit.USD_BILLIONS, "daily", releases.NYFED_RRP, _DAYS),
    SeriesSpec("TGA_DTS", TREASURY, "operating_cash_balance",
               "Treasury General Account closing balance (Daily Treasury Statement)",
               Unit.USD_MILLIONS, "daily", releases.DTS, _DAYS),
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


def release_members(release_id: int) -> list[SeriesSpec]:
    """Our FRED series published in FRED release ``release_id``."""
    return [spec for spec in _ALL if spec.source == FRED and spec.fred_release == release_id]
