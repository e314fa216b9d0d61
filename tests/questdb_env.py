"""Settings for a real QuestDB named by LIQUIDITY_TEST_QUESTDB_URL (tests skip without one)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from liquidity.config import Settings

URL = os.environ.get("LIQUIDITY_TEST_QUESTDB_URL", "")
needs_questdb = pytest.mark.skipif(
    not URL, reason="set LIQUIDITY_TEST_QUESTDB_URL (e.g. http://127.0.0.1:9000) to run"
)


def questdb_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Its own table prefix per call, so tests never see each other's rows."""
    parts = urlsplit(URL)
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
    values.update(overrides)
    return Settings(_env_file=None, **values)


@contextmanager
def questdb_store(tmp_path: Path, **overrides: Any) -> Iterator[Any]:
    from liquidity.storage import open_store

    settings = questdb_settings(tmp_path, **overrides)
    store = open_store(settings)
    try:
        yield store
    finally:
        rest = store.inner.rest
        for table in ("observations", "fetch_state", "cursors"):
            rest.exec(f"DROP TABLE IF EXISTS {settings.questdb_table_prefix}{table}")
        store.close()
