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
    from liquidity.storage.questdb import QuestDBStore
    from liquidity.storage.spool import Spool, SpoolingStore

    return SpoolingStore(QuestDBStore(settings), Spool(settings.spool_path))
