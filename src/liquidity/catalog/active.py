"""The active catalog: the series every part reads (``SERIES``, by id) and its formulas.

The packaged catalog (``default.toml``) until the composition root installs the user's;
loaded on first use, never at import. It sits above the registry (what a series is,
units, release calendars) and below everything that asks which series exist.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING

from liquidity.errors import ConfigError
from liquidity.registry.spec import FRED, SeriesSpec

if TYPE_CHECKING:
    from liquidity.catalog.model import Catalog


class _Active(MutableMapping[str, SeriesSpec]):
    """The series of the active catalog, by id: the packaged one until the composition
    root installs the user's (``install``). Loaded on first use, never at import."""

    def __init__(self) -> None:
        self._catalog: Catalog | None = None
        self._specs: dict[str, SeriesSpec] = {}

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            from liquidity.catalog.load import default_catalog

            self.install(default_catalog())
        assert self._catalog is not None
        return self._catalog

    def install(self, catalog: Catalog) -> Catalog:
        """Make ``catalog`` the active one; returns the one it replaces (for tests)."""
        previous = self._catalog
        self._catalog = catalog
        self._specs = {sid: entry.spec for sid, entry in catalog.series.items()}
        return previous or catalog

    def _all(self) -> dict[str, SeriesSpec]:
        self.catalog  # noqa: B018 - loads the packaged catalog on first use
        return self._specs

    def __getitem__(self, series_id: str) -> SeriesSpec:
        return self._all()[series_id]

    def __setitem__(self, series_id: str, spec: SeriesSpec) -> None:
        self._all()[series_id] = spec  # tests register toy series this way

    def __delitem__(self, series_id: str) -> None:
        del self._all()[series_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


SERIES = _Active()


def active_catalog() -> Catalog:
    return SERIES.catalog


def install_catalog(catalog: Catalog) -> Catalog:
    """Make ``catalog`` the one every part reads; returns the previous one."""
    return SERIES.install(catalog)


def get(series_id: str) -> SeriesSpec:
    try:
        return SERIES[series_id.upper()]
    except KeyError:
        known = ", ".join(SERIES)
        raise ConfigError(f"unknown series {series_id!r}; known: {known}") from None


def series_for_source(source: str) -> list[SeriesSpec]:
    return [spec for spec in SERIES.values() if spec.source == source]


def release_members(release_id: int) -> list[SeriesSpec]:
    """Our FRED series published in FRED release ``release_id``."""
    return [
        spec for spec in SERIES.values() if spec.source == FRED and spec.fred_release == release_id
    ]
