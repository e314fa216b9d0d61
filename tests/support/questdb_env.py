"""Settings and stores on the real QuestDB of the session (the ``questdb_server`` fixture)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from liquidity.compose import store_config
from liquidity.config import Settings
from tests.support.questdb_server import QuestDBServer

TABLES = ("observations", "fetch_state", "cursors")


def questdb_settings(server: QuestDBServer, tmp_path: Path, **overrides: Any) -> Settings:
    """Its own table prefix per call, so tests never see each other's rows."""
    parts = urlsplit(server.url)
    values: dict[str, Any] = {
        "store": "questdb",
        "questdb_host": parts.hostname or "127.0.0.1",
        "questdb_http_port": parts.port or 9000,
        "questdb_tls": parts.scheme == "https",
        "questdb_user": parts.username,
        "questdb_password": parts.password,
        "questdb_table_prefix": f"t{uuid.uuid4().hex[:10]}_",
        "spool_path": tmp_path / f"spool-{uuid.uuid4().hex[:6]}.sqlite",
    }
    if server.pg_port is not None:
        values["questdb_pg_port"] = server.pg_port
    values.update(overrides)
    return Settings(_env_file=None, **values)


def drop_tables(server: QuestDBServer, prefix: str) -> None:
    """Drop a test's tables (by their prefix) through a REST client of its own."""
    from liquidity.storage.questdb_rest import QuestDBRest

    rest = QuestDBRest(server.url, timeout=10)
    try:
        for table in TABLES:
            rest.exec(f"DROP TABLE IF EXISTS {prefix}{table}")
    finally:
        rest.close()


@contextmanager
def questdb_store(server: QuestDBServer, tmp_path: Path, **overrides: Any) -> Iterator[Any]:
    """The store as ``open_store`` builds it (spool in front), its tables dropped afterwards."""
    from liquidity.storage import open_store

    settings = questdb_settings(server, tmp_path, **overrides)
    store = open_store(store_config(settings))
    try:
        yield store
    finally:
        store.close()
        drop_tables(server, settings.questdb_table_prefix)
