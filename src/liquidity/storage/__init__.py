"""Storage backends behind one protocol (``base.Store``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from liquidity.config import Settings
    from liquidity.storage.base import Store


def open_store(settings: Settings, *, lock_wait: float = 0.0) -> Store:
    """The store the settings select. ``lock_wait``: seconds to wait while another process
    holds the DuckDB file (commands pass ``duckdb_lock_wait``; the daemon's event loop
    must not block, so its job or store check fails at once, like any failed one)."""
    if settings.store == "duckdb":
        from liquidity.storage.duckdb import DuckDBStore

        return DuckDBStore(
            settings.duckdb_path, threads=settings.duckdb_threads, lock_wait=lock_wait
        )
    import importlib.util

    from liquidity.errors import ConfigError
    from liquidity.storage.questdb import QuestDBStore
    from liquidity.storage.spool import Spool, SpoolingStore

    if importlib.util.find_spec("questdb") is None:
        raise ConfigError(
            "LIQUIDITY_STORE=questdb needs the questdb client: pip install 'liquidity[questdb]'"
        )

    return SpoolingStore(QuestDBStore(settings), Spool(settings.spool_path))
