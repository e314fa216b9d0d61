"""Storage backends behind one protocol (``base.Store``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from liquidity.storage.base import Store
    from liquidity.storage.questdb import QuestDBConfig


@dataclass(frozen=True, slots=True)
class StoreConfig:
    kind: Literal["duckdb", "questdb"]
    duckdb_path: Path
    duckdb_threads: int
    spool_path: Path  # QuestDB's writes wait here while it is down
    questdb: QuestDBConfig | None = None  # given when ``kind`` is "questdb"
    lean: bool = False  # DuckDB: memory back at once (a one-shot collect), not kept for reads


def open_store(config: StoreConfig, *, lock_wait: float = 0.0) -> Store:
    """The store the config selects. ``lock_wait``: seconds to wait while another process
    holds the DuckDB file (commands pass ``duckdb_lock_wait``; the daemon's event loop
    must not block, so its job or store check fails at once, like any failed one)."""
    if config.kind == "duckdb":
        from liquidity.storage.duckdb import DuckDBStore

        return DuckDBStore(
            config.duckdb_path,
            threads=config.duckdb_threads,
            lock_wait=lock_wait,
            lean=config.lean,
        )
    import importlib.util

    from liquidity.errors import ConfigError
    from liquidity.storage.questdb import QuestDBStore
    from liquidity.storage.spool import Spool, SpoolingStore

    if importlib.util.find_spec("questdb") is None:
        raise ConfigError(
            "LIQUIDITY_STORE=questdb needs the questdb client: pip install 'liquidity[questdb]'"
        )
    assert config.questdb is not None  # the composition root gives it with kind "questdb"
    return SpoolingStore(QuestDBStore(config.questdb), Spool(config.spool_path))
