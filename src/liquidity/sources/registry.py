"""Every source in one table: name -> the factory that builds it and the limits its
HTTP policy reads from the settings (as OpenBB's ``fetcher_dict``).

Adding a source is one module with a ``build`` factory (see :class:`Factory`) and one
line in :data:`SOURCES`; its series name it in the series table. A factory is named
"module:function" and imported only when a collect needs that source, so a run imports
and opens only the sources it asks. Whether a source batches its requests is the
source's own ``batched`` (keyless FRED does, keyed FRED does not).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Protocol, cast

from liquidity.errors import ConfigError

if TYPE_CHECKING:
    from liquidity.config import Settings
    from liquidity.http import HttpPolicy, SourceClient
    from liquidity.sources.base import Source


class Factory(Protocol):
    def __call__(self, http: SourceClient, settings: Settings, *, vintages: bool) -> Source:
        """The source, talking through ``http``; ``vintages`` only matters to FRED."""
        ...


@dataclass(frozen=True, slots=True)
class Limits:
    requests_per_second: float
    requests_per_minute: float
    user_agent: str | None = None  # None: the project's own


@dataclass(frozen=True, slots=True)
class SourceEntry:
    factory: str  # "package.module:function", a Factory
    limits: Callable[[Settings], Limits]

    def build(self, http: SourceClient, settings: Settings, *, vintages: bool) -> Source:
        module, _, function = self.factory.partition(":")
        make = cast(Factory, getattr(import_module(module), function))
        return make(http, settings, vintages=vintages)


def fred_limits(settings: Settings) -> Limits:
    return Limits(settings.fred_requests_per_second, settings.fred_requests_per_minute)


def yahoo_limits(settings: Settings) -> Limits:
    return Limits(
        settings.yahoo_requests_per_second,
        settings.yahoo_requests_per_minute,
        settings.yahoo_user_agent,
    )


# The NY Fed and Treasury publish no limit: they go at FRED's pace, a polite one.
SOURCES: dict[str, SourceEntry] = {
    "fred": SourceEntry("liquidity.sources.fred:build", fred_limits),
    "yahoo": SourceEntry("liquidity.sources.yahoo:build", yahoo_limits),
    "nyfed": SourceEntry("liquidity.sources.nyfed:build", fred_limits),
    "treasury_dts": SourceEntry("liquidity.sources.treasury:build", fred_limits),
}


def entry(name: str) -> SourceEntry:
    try:
        return SOURCES[name]
    except KeyError:
        raise ConfigError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None


def http_policy(settings: Settings, name: str) -> HttpPolicy:
    """The HTTP policy of source ``name``: the shared settings and its own limits."""
    from liquidity.http import HttpPolicy

    limits = entry(name).limits(settings)
    return HttpPolicy.from_settings(
        settings, limits.requests_per_second, limits.requests_per_minute, limits.user_agent
    )
