"""The composition root: the one place that reads ``Settings`` and hands each part a small
frozen config of its own (as NautilusTrader's adapters take their own ``*Config`` and
OpenBB's fetchers only their credentials).

The CLI (``cli.context``), the daemon (``serve.daemon``) and the Python API (``api``)
call it; below it nothing imports ``liquidity.config`` (``tests/unit/test_compose.py``).
Each builder imports its part lazily, so a command that only reads the store loads no
HTTP client, and one without Redis configured never loads redis.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from liquidity.catalog import Catalog
    from liquidity.config import Settings
    from liquidity.http import BreakerConfig, HttpPolicy
    from liquidity.pipeline import CollectConfig
    from liquidity.publish.redis import PublishConfig
    from liquidity.redis_conn import RedisConfig
    from liquidity.sources.registry import SourceConfig
    from liquidity.storage import StoreConfig
    from liquidity.storage.questdb import QuestDBConfig


def install_catalog(settings: Settings) -> Catalog:
    """The user's catalog (``LIQUIDITY_CATALOG``, else their config directory's
    ``catalog.toml`` if there is one) merged over the packaged one, made the active one.
    Without an API key every series must declare its unit; with one a FRED series may
    leave it to FRED (``fred_units``)."""
    from liquidity.catalog import load_catalog
    from liquidity.catalog.active import install_catalog as make_active

    path, explicit = catalog_path(settings)
    units = fred_units(settings, path, required=explicit)
    keyed = settings.fred_api_key is not None
    catalog = load_catalog(path, keyed=keyed, required=explicit, fred_units=units)
    make_active(catalog)  # every part reads catalog.active.SERIES
    return catalog


def fred_units_path(settings: Settings) -> Path:
    """The cache of FRED's units (``LIQUIDITY_FRED_UNITS_PATH``, else beside the DuckDB
    file: with the user's data, which is in those units)."""
    return settings.fred_units_path or settings.duckdb_path.parent / "fred_units.json"


def fred_units(settings: Settings, path: Path | None, *, required: bool) -> dict[str, str]:
    """FRED's ``units`` text (by symbol) of the catalog's FRED entries that declare no
    unit, with an API key: from the cache, else asked of FRED for just the missing ones,
    then cached. Nothing is imported or asked when every entry declares its unit.
    :class:`ConfigError`, one line per entry, when FRED cannot say."""
    from liquidity.catalog import units_from_fred
    from liquidity.catalog.unit_cache import read

    if settings.fred_api_key is None:
        return {}  # loading refuses such entries: "unit: required without a FRED API key"
    wanted = units_from_fred(path, required=required)
    if not wanted:
        return {}
    cache = fred_units_path(settings)
    known = read(cache)
    missing = sorted(set(wanted.values()) - known.keys())
    if missing:
        known.update(_ask_fred_units(settings, cache, known, missing, wanted))
    return known


def _ask_fred_units(
    settings: Settings,
    cache: Path,
    known: dict[str, str],
    missing: list[str],
    wanted: dict[str, str],
) -> dict[str, str]:
    import logging
    from dataclasses import replace

    from liquidity.catalog.unit_cache import write
    from liquidity.errors import ConfigError
    from liquidity.pipeline import fred_units as ask
    from liquidity.redaction import Redactor

    # A one-off lookup: breakers in memory, so loading a catalog never needs Redis.
    breakers = replace(breaker_config(settings), redis=None)
    answers = ask(source_config(settings, "fred"), breakers, missing)
    found = {symbol: text for symbol, text in answers.items() if isinstance(text, str)}
    if found:
        try:
            write(cache, {**known, **found})
        except OSError as exc:  # a cache that cannot be written costs requests, not a run
            logging.getLogger(__name__).warning("cannot write %s: %s", cache, exc)
    redact = Redactor(settings.secret_values())
    failed = [
        f"{where}: unit: asking FRED for it: {redact(str(answers[symbol]))}"
        for where, symbol in wanted.items()
        if symbol in answers and symbol not in found
    ]
    if failed:
        raise ConfigError("\n".join(failed))
    return found


def catalog_path(settings: Settings) -> tuple[Path, bool]:
    """The user's catalog file, and whether it was named (then it must exist)."""
    from liquidity.catalog import user_catalog_path

    return (settings.catalog, True) if settings.catalog else user_catalog_path()


def store_config(settings: Settings) -> StoreConfig:
    from liquidity.storage import StoreConfig

    questdb = questdb_config(settings) if settings.store == "questdb" else None
    return StoreConfig(
        kind=settings.store,
        duckdb_path=settings.duckdb_path,
        duckdb_threads=settings.duckdb_threads,
        spool_path=settings.spool_path,
        questdb=questdb,
    )


def questdb_config(settings: Settings) -> QuestDBConfig:
    from liquidity.storage.questdb import QuestDBConfig

    return QuestDBConfig(
        host=settings.questdb_host,
        http_port=settings.questdb_http_port,
        user=settings.questdb_user,
        password=settings.questdb_password,
        tls=settings.questdb_tls,
        tls_verify=settings.questdb_tls_verify,
        request_timeout=settings.questdb_request_timeout,
        retry_timeout=settings.questdb_retry_timeout,
        wal_timeout=settings.questdb_wal_timeout,
        flush_rows=settings.questdb_flush_rows,
        table_prefix=settings.questdb_table_prefix,
    )


def redis_config(settings: Settings) -> RedisConfig | None:
    """The Redis connection, or None when ``LIQUIDITY_REDIS_URL`` is not set."""
    from liquidity.redis_conn import RedisConfig

    if settings.redis_url is None:
        return None
    return RedisConfig(settings.redis_url, settings.redis_prefix, settings.redis_timeout)


def publish_config(settings: Settings) -> PublishConfig | None:
    from liquidity.publish.redis import PublishConfig

    redis = redis_config(settings)
    return None if redis is None else PublishConfig(redis, settings.redis_stream_maxlen)


def breaker_config(settings: Settings) -> BreakerConfig:
    """Breakers per source, their state shared through Redis when it is configured."""
    from liquidity.http import BreakerConfig

    return BreakerConfig(settings.breaker_threshold, settings.breaker_ttl, redis_config(settings))


def http_policy(
    settings: Settings,
    requests_per_second: float,
    requests_per_minute: float,
    user_agent: str | None = None,
) -> HttpPolicy:
    """A source's own limits (and user agent) with the shared timeouts, retries and cap."""
    from liquidity.http import HttpPolicy

    own = {"user_agent": user_agent} if user_agent is not None else {}
    return HttpPolicy(
        requests_per_second,
        requests_per_minute,
        timeout=settings.http_timeout,
        attempts=settings.retry_attempts,
        initial_wait=settings.retry_initial_wait,
        max_wait=settings.retry_max_wait,
        max_response_bytes=int(settings.http_max_response_mb * 2**20),
        **own,
    )


def _fred(s: Settings) -> SourceConfig:
    from liquidity.sources.registry import SourceConfig

    # With a key FRED's JSON API gives metadata and vintages, fredgraph.csv the current
    # values; without one, fredgraph.csv gives everything.
    if s.fred_api_key is None:
        return SourceConfig(_fred_paced(s), s.fred_graph_url)
    return SourceConfig(_fred_paced(s), s.fred_api_url, s.fred_api_key, s.fred_graph_url)


def _yahoo(s: Settings) -> SourceConfig:
    from liquidity.sources.registry import SourceConfig

    policy = http_policy(
        s, s.yahoo_requests_per_second, s.yahoo_requests_per_minute, s.yahoo_user_agent
    )
    return SourceConfig(policy, s.yahoo_url)


def _nyfed(s: Settings) -> SourceConfig:
    from liquidity.sources.registry import SourceConfig

    return SourceConfig(_fred_paced(s), s.nyfed_url)


def _treasury(s: Settings) -> SourceConfig:
    from liquidity.sources.registry import SourceConfig

    return SourceConfig(_fred_paced(s), s.treasury_url)


def _fred_paced(s: Settings) -> HttpPolicy:
    # The NY Fed and Treasury publish no limit: they go at FRED's pace, a polite one.
    return http_policy(s, s.fred_requests_per_second, s.fred_requests_per_minute)


# Each source of ``sources.registry.SOURCES``: its settings mapped onto its config.
SOURCE_CONFIGS: dict[str, Callable[[Settings], SourceConfig]] = {
    "fred": _fred,
    "yahoo": _yahoo,
    "nyfed": _nyfed,
    "treasury_dts": _treasury,
}


def source_config(settings: Settings, name: str) -> SourceConfig:
    """Source ``name``'s config; an unknown name is a ``ConfigError``."""
    from importlib import import_module

    from liquidity.sources.registry import entry

    known = entry(name)  # the registry names what is known
    if known.config is None:
        return SOURCE_CONFIGS[name](settings)
    module, _, function = known.config.partition(":")
    make: Callable[[Settings], SourceConfig] = getattr(import_module(module), function)
    return make(settings)


def collect_config(settings: Settings) -> CollectConfig:
    """Everything one collect (``pipeline.collect``) needs."""
    from liquidity.pipeline import CollectConfig
    from liquidity.sources.registry import SOURCES

    return CollectConfig(
        start=settings.start,
        lookback_days=settings.lookback_days,
        sources={name: source_config(settings, name) for name in SOURCES},
        breakers=breaker_config(settings),
        publish=publish_config(settings),
        secrets=tuple(settings.secret_values()),
    )
