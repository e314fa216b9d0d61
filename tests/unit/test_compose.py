"""The composition root: the only reader of ``Settings`` below the entry points, and what
it hands each part."""

from __future__ import annotations

import ast
from pathlib import Path

from pydantic import SecretStr

from liquidity import compose
from liquidity.config import Settings
from liquidity.sources.registry import SOURCES

SRC = Path(__file__).resolve().parents[2] / "src" / "liquidity"

# Who may import ``liquidity.config``: the settings themselves, the composition root that
# maps them onto each part's config, and the three entry points that load them and call
# the root (the CLI's shared context, the daemon, which also reads its own ``serve_*``
# fields, and the Python API). Everything else takes a small config of its own.
MAY_IMPORT_SETTINGS = {
    "config.py",
    "compose.py",
    "cli/context.py",
    "serve/daemon.py",
    "serve/live_settings.py",  # the daemon's release windows and budgets, light for status
    "api.py",
}


def _imports_settings(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = [module] + [f"{module}.{a.name}" for a in node.names]
        else:
            continue
        if "liquidity.config" in names:  # TYPE_CHECKING imports count too
            return True
    return False


def test_nothing_below_the_composition_root_imports_the_settings() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        name = path.relative_to(SRC).as_posix()
        if name not in MAY_IMPORT_SETTINGS and _imports_settings(
            ast.parse(path.read_text(encoding="utf-8"))
        ):
            offenders.append(name)
    assert offenders == []


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_every_registered_source_has_a_config() -> None:
    # A built-in's settings are mapped by the root; another source names its own function.
    unmapped = compose.SOURCE_CONFIGS.keys()
    without = [n for n, e in SOURCES.items() if e.config is None and n not in unmapped]
    assert not without
    assert compose.SOURCE_CONFIGS.keys() <= SOURCES.keys()


def test_each_source_gets_its_own_limits_url_and_key() -> None:
    s = _settings(
        fred_requests_per_second=3,
        fred_requests_per_minute=90,
        yahoo_requests_per_second=1,
        yahoo_requests_per_minute=30,
        http_timeout=7,
        retry_attempts=2,
        http_max_response_mb=1,
        yahoo_user_agent="ua/1",
        nyfed_url="https://ny.example",
        fred_api_key="k" * 32,
    )
    fred, yahoo, nyfed = (compose.source_config(s, n) for n in ("fred", "yahoo", "nyfed"))
    assert (fred.policy.requests_per_second, fred.policy.requests_per_minute) == (3, 90)
    assert fred.url == s.fred_api_url and fred.api_key == s.fred_api_key
    assert (yahoo.policy.requests_per_second, yahoo.policy.user_agent) == (1, "ua/1")
    assert yahoo.url == s.yahoo_url and yahoo.api_key is None
    assert nyfed.policy == fred.policy and nyfed.url == "https://ny.example"
    assert (fred.policy.timeout, fred.policy.attempts) == (7, 2)
    assert fred.policy.max_response_bytes == 2**20
    assert compose.source_config(_settings(), "fred").url == _settings().fred_graph_url


def test_redis_is_configured_once_for_every_part() -> None:
    assert compose.redis_config(_settings()) is None
    assert compose.publish_config(_settings()) is None
    assert compose.breaker_config(_settings()).redis is None
    s = _settings(redis_url="redis://127.0.0.1:6379/0", redis_prefix="p", redis_timeout=2)
    redis = compose.redis_config(s)
    assert redis is not None and redis.url == SecretStr("redis://127.0.0.1:6379/0")
    assert (redis.prefix, redis.timeout) == ("p", 2)
    assert (redis.breaker_prefix, redis.lease_key) == ("p:breaker:", "p:lease:collector")
    publish = compose.publish_config(s)
    assert publish is not None and publish.redis == redis
    assert compose.breaker_config(s).redis == redis
    assert compose.collect_config(s).publish == publish


def test_the_store_config_carries_questdb_only_when_selected(tmp_path: Path) -> None:
    assert compose.store_config(_settings(duckdb_path=tmp_path / "x.duckdb")).questdb is None
    s = _settings(store="questdb", questdb_host="q.example", questdb_table_prefix="t_")
    config = compose.store_config(s)
    assert config.kind == "questdb" and config.questdb is not None
    assert (config.questdb.host, config.questdb.table_prefix) == ("q.example", "t_")
