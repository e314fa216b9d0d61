"""Storage backends behind one protocol (``base.Store``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from liquidity.config import Settings
    from liquidity.storage.base import Store


def open_store(settings: Settings) -> Store:
    """The store the settings select."""
    if settings.store == "duckdb":
        from liquidity.storage.duckdb import DuckDBStore

        return DuckDBStore(settings.duckdb_path)
    from liquidity.errors import ConfigError

    raise ConfigError(f"LIQUIDITY_STORE: the {settings.store!r} backend is not available yet")
