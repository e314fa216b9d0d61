"""The catalog: every series and formula as data (``default.toml``, then the user's file).

    >>> from liquidity.catalog import load_catalog
    >>> catalog = load_catalog(Path("~/.config/liquidity/catalog.toml"), keyed=False)
    >>> catalog.series["WRESBAL"].spec.unit, catalog.derived["NETLIQ_DAILY"].formula

A keyed FRED entry may leave its unit to FRED: the composition root reads FRED's
``units`` (``unit_cache``, else FRED's metadata) for the ids ``units_from_fred`` names and
passes them as ``fred_units``. The core takes the user file as a parameter;
``user_catalog_path`` resolves it at the edge (``LIQUIDITY_CATALOG``, else the user's
config directory). Nothing is read at import time.
"""

from __future__ import annotations

from liquidity.catalog.active import (
    SERIES,
    active_catalog,
    get,
    install_catalog,
    release_members,
    series_for_source,
)
from liquidity.catalog.load import (
    PACKAGE,
    check_file,
    default_catalog,
    load_catalog,
    units_from_fred,
    user_catalog_path,
)
from liquidity.catalog.model import Catalog, DerivedEntry, SeriesEntry

__all__ = [
    "PACKAGE",
    "SERIES",
    "Catalog",
    "DerivedEntry",
    "SeriesEntry",
    "active_catalog",
    "check_file",
    "default_catalog",
    "get",
    "install_catalog",
    "load_catalog",
    "release_members",
    "series_for_source",
    "units_from_fred",
    "user_catalog_path",
]
