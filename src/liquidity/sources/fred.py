"""FRED, one source name over two modules: the JSON API with a key, else keyless
``fredgraph.csv``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from liquidity.config import Settings
    from liquidity.http import SourceClient
    from liquidity.sources.base import Source


def build(http: SourceClient, settings: Settings, *, vintages: bool) -> Source:
    if settings.fred_api_key is not None:
        from liquidity.sources.fred_api import FredApiSource

        key = settings.fred_api_key.get_secret_value()
        return FredApiSource(http, settings.fred_api_url, key, vintages=vintages)
    from liquidity.sources.fred_csv import FredCsvSource

    return FredCsvSource(http, settings.fred_graph_url)
