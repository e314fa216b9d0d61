"""Every source in one table: name -> the factory that builds it (as OpenBB's
``fetcher_dict``).

Adding a source is one module with a ``build`` factory (see :class:`Factory`) and a
``config`` function (the settings -> its :class:`SourceConfig`: URL, limits, key), and one
line in :data:`SOURCES` naming both; its series name it in the series table. The built-in
sources' settings are fields of ``Settings``, so their ``config`` lives in the composition
root (``liquidity.compose.SOURCE_CONFIGS``) instead.
A factory is named "module:function" and imported only when a collect needs that source,
so a run imports and opens only the sources it asks. Whether a source batches its
requests is the source's own ``batched`` (keyless FRED does, keyed FRED does not).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Protocol, cast

from liquidity.errors import ConfigError

if TYPE_CHECKING:
    from pydantic import SecretStr

    from liquidity.http import HttpPolicy, SourceClient
    from liquidity.sources.base import Source


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """All one source is given: its HTTP policy, where to ask, its credential if any."""

    policy: HttpPolicy
    url: str
    api_key: SecretStr | None = None
    # A second address, for sources that ask two services (keyed FRED: its API for
    # metadata and vintages, ``fredgraph.csv`` for current values).
    values_url: str | None = None


class Factory(Protocol):
    def __call__(self, http: SourceClient, config: SourceConfig, *, vintages: bool) -> Source:
        """The source, talking through ``http``; ``vintages`` only matters to FRED."""
        ...


@dataclass(frozen=True, slots=True)
class SourceEntry:
    factory: str  # "package.module:function", a Factory
    # "package.module:function": settings -> SourceConfig; None for the built-in sources,
    # whose settings the composition root maps (compose.SOURCE_CONFIGS).
    config: str | None = None

    def build(self, http: SourceClient, config: SourceConfig, *, vintages: bool) -> Source:
        module, _, function = self.factory.partition(":")
        make = cast(Factory, getattr(import_module(module), function))
        return make(http, config, vintages=vintages)


SOURCES: dict[str, SourceEntry] = {
    "fred": SourceEntry("liquidity.sources.fred:build"),
    "yahoo": SourceEntry("liquidity.sources.yahoo:build"),
    "nyfed": SourceEntry("liquidity.sources.nyfed:build"),
    "treasury_dts": SourceEntry("liquidity.sources.treasury:build"),
}


def entry(name: str) -> SourceEntry:
    try:
        return SOURCES[name]
    except KeyError:
        raise ConfigError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None
