"""What a series is (source, symbol, unit, release, staleness): the shape every catalog
entry takes. The active table of them is ``liquidity.catalog.active.SERIES``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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
    # Entries measuring the same thing from different sources share a name (VIX: Yahoo's
    # ^VIX and FRED's VIXCLS): a chart may draw the one that covers its dates best.
    quantity: str | None = None

    @property
    def usd_millions_factor(self) -> float | None:
        """Factor to USD millions, or ``None`` when the series is not money."""
        if self.unit.dimension != "usd":
            return None
        return self.unit.scale / Unit.USD_MILLIONS.scale
