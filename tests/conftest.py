"""Shared fixtures: a real local HTTP server replaying recorded responses, settings, stores."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from liquidity.config import Settings
from liquidity.storage.duckdb import DuckDBStore
from tests.support import questdb_server as questdb_server_module
from tests.support.questdb_server import QuestDBServer
from tests.support.redis_server import delete_prefix, shared_redis_or_skip, unique_prefix
from tests.support.replay import ReplayServer
from tests.support.settings import API_KEY, make_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Tests never see the developer's own settings, nor write outside tmp_path.
    for name in list(os.environ):
        if name.startswith("LIQUIDITY_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))  # no user catalog
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    server = ReplayServer().start()
    yield server
    server.stop()


@pytest.fixture
def settings(replay: ReplayServer, tmp_path: Path) -> Settings:
    return make_settings(replay, tmp_path)


@pytest.fixture
def keyed_settings(replay: ReplayServer, tmp_path: Path) -> Settings:
    return make_settings(replay, tmp_path, fred_api_key=API_KEY)


@pytest.fixture
def memory_store() -> Iterator[DuckDBStore]:
    store = DuckDBStore(":memory:")
    yield store
    store.close()


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of its own on the shared Redis (which must run), deleted afterwards."""
    url = shared_redis_or_skip()
    name = unique_prefix()
    yield name
    delete_prefix(url, name)


# -- a real QuestDB, started once per session by the first test that needs it --------------


@pytest.fixture(scope="session")
def questdb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QuestDBServer]:
    """The server named by LIQUIDITY_TEST_QUESTDB_URL, else the shared QuestDB 8.0.3 jar
    started on free loopback ports (read before ``_clean_env``: a session fixture is set up
    before a test's function fixtures)."""
    named = questdb_server_module.from_env()
    if named is not None:
        yield named
        return
    why = questdb_server_module.unavailable()
    if why:
        pytest.skip(f"{why}: {questdb_server_module.HOW_TO}")
    server = questdb_server_module.start(tmp_path_factory.mktemp("questdb"))
    try:
        yield server
    finally:
        questdb_server_module.stop(server)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    # pytest shows a fixture's skip at each test's line; one summary line says it all here.
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
    if report.skipped and questdb_server_module.HOW_TO in str(reason):
        report.longrepr = (__file__, None, str(reason))
    return report
