"""FRED, one source name over two modules: the JSON API with a key, else keyless
``fredgraph.csv`` (the composition root gives the URL that goes with the key or its
absence)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from liquidity.http import SourceClient
    from liquidity.sources.base import Source
    from liquidity.sources.registry import SourceConfig


def build(http: SourceClient, config: SourceConfig, *, vintages: bool) -> Source:
    if config.api_key is not None:
        from liquidity.sources.fred_api import FredApiSource

        key = config.api_key.get_secret_value()
        return FredApiSource(http, config.url, key, vintages=vintages)
    from liquidity.sources.fred_csv import FredCsvSource

    return FredCsvSource(http, config.url)
