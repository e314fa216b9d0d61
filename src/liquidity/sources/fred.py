"""FRED, one source name over two modules: with a key the JSON API (metadata, units,
vintages) plus ``fredgraph.csv`` for current values, else keyless ``fredgraph.csv``
alone (the composition root gives the URLs that go with the key or its absence)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from liquidity.errors import ConfigError

if TYPE_CHECKING:
    from liquidity.http import SourceClient
    from liquidity.sources.base import Source
    from liquidity.sources.registry import SourceConfig


def build(http: SourceClient, config: SourceConfig, *, vintages: bool) -> Source:
    if config.api_key is not None:
        from liquidity.sources.fred_api import FredApiSource

        if config.values_url is None:
            raise ConfigError("keyed FRED needs the fredgraph.csv URL (liquidity.compose)")
        key = config.api_key.get_secret_value()
        return FredApiSource(http, config.url, key, graph_url=config.values_url, vintages=vintages)
    from liquidity.sources.fred_csv import FredCsvSource

    return FredCsvSource(http, config.url)
