"""The registry: what a series is, its units and its release calendars. Which series we
collect is the active catalog's (``liquidity.catalog.active``)."""

from __future__ import annotations

from liquidity.registry.releases import Release
from liquidity.registry.spec import SeriesSpec
from liquidity.registry.units import Unit, convert, unit_from_fred

__all__ = [
    "Release",
    "SeriesSpec",
    "Unit",
    "convert",
    "unit_from_fred",
]
