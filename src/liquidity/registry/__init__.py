"""The series registry: what we collect, in which unit, when it is released."""

from __future__ import annotations

from liquidity.registry.releases import Release
from liquidity.registry.series import SERIES, SeriesSpec, get, series_for_source
from liquidity.registry.units import Unit, convert, unit_from_fred

__all__ = [
    "SERIES",
    "Release",
    "SeriesSpec",
    "Unit",
    "convert",
    "get",
    "series_for_source",
    "unit_from_fred",
]
