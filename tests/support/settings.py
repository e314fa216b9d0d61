"""Settings for tests: pointed at the replay server, fast retries, recorded fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liquidity.compose import publish_config
from liquidity.config import Settings
from liquidity.publish.redis import PublishConfig
from tests.support.replay import GOOD_KEYS, ReplayServer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
API_KEY = next(iter(GOOD_KEYS))


def make_settings(server: ReplayServer, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings pointed at the replay server, with fast retries for tests."""
    values: dict[str, Any] = {
        "fred_api_url": f"{server.url}/fred",
        "fred_graph_url": f"{server.url}/graph/fredgraph.csv",
        "yahoo_url": server.url,
        "nyfed_url": server.url,
        "treasury_url": server.url,
        "duckdb_path": tmp_path / "test.duckdb",
        "retry_initial_wait": 0.01,
        "retry_max_wait": 2.0,
        "http_timeout": 5.0,
        "fred_requests_per_second": 50.0,
        "fred_requests_per_minute": 6000.0,
        "yahoo_requests_per_second": 50.0,
        "yahoo_requests_per_minute": 6000.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def publishing(settings: Settings) -> PublishConfig:
    """What ``publish_pending`` takes, for settings that configure Redis."""
    config = publish_config(settings)
    assert config is not None, "LIQUIDITY_REDIS_URL is not set"
    return config
