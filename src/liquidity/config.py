"""Settings: one ``Settings`` built once (in the CLI callback) and passed down.

Sources, highest priority first: init arguments, ``LIQUIDITY_*`` environment
variables, a ``.env`` file, a SOPS-encrypted file (``LIQUIDITY_SECRETS_FILE``,
see ``sops.py``), a secrets directory (``LIQUIDITY_SECRETS_DIR``, else
``/run/secrets`` if present; one file per setting, named like its env var, e.g.
``LIQUIDITY_FRED_API_KEY``). Nothing here reads the environment at import time.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from liquidity.errors import ConfigError

ENV_PREFIX = "LIQUIDITY_"
DEFAULT_SECRETS_DIR = Path("/run/secrets")


def default_data_dir() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "liquidity"


def default_duckdb_path() -> Path:
    return default_data_dir() / "liquidity.duckdb"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    # Sources
    fred_api_key: SecretStr | None = None
    fred_api_url: str = "https://api.stlouisfed.org/fred"
    fred_graph_url: str = "https://fred.stlouisfed.org/graph/fredgraph.csv"
    yahoo_url: str = "https://query1.finance.yahoo.com"
    nyfed_url: str = "https://markets.newyorkfed.org"
    treasury_url: str = "https://api.fiscaldata.treasury.gov"
    yahoo_user_agent: str = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0 Safari/537.36"
    )

    # HTTP behaviour, per source: FRED counts 2 requests a second per key since mid-2026.
    fred_requests_per_second: float = Field(2.0, gt=0)
    fred_requests_per_minute: float = Field(120.0, gt=0)
    yahoo_requests_per_second: float = Field(2.0, gt=0)
    yahoo_requests_per_minute: float = Field(60.0, gt=0)
    http_timeout: float = Field(30.0, gt=0, description="seconds for connect and each read")
    retry_attempts: int = Field(5, ge=1, le=20)
    retry_initial_wait: float = Field(1.0, ge=0)
    retry_max_wait: float = Field(60.0, ge=0, description="cap on one wait, Retry-After included")
    breaker_threshold: int = Field(5, ge=1)
    breaker_ttl: float = Field(60.0, gt=0)

    # Collection
    start: date = date(2000, 1, 1)
    lookback_days: int = Field(14, ge=0, description="re-fetch overlap for revisions")

    # Storage
    store: Literal["duckdb", "questdb"] = "duckdb"
    duckdb_path: Path = Field(default_factory=default_duckdb_path)
    duckdb_threads: int = Field(
        1,
        ge=1,
        description="DuckDB worker threads: our batches and queries are small, and "
        "each thread keeps ~9 MB; raise it for large analytical reads",
    )
    duckdb_lock_wait: float = Field(
        15.0,
        ge=0,
        allow_inf_nan=False,  # bounded: a command never waits for ever
        description="seconds a command waits while another process holds the file",
    )
    questdb_host: str = "127.0.0.1"
    questdb_http_port: int = Field(9000, gt=0, lt=65536)
    questdb_pg_port: int = Field(8812, gt=0, lt=65536)
    questdb_user: str | None = None
    questdb_password: SecretStr | None = None
    questdb_tls: bool = False
    questdb_tls_verify: bool = True
    questdb_request_timeout: float = Field(10.0, gt=0, description="seconds per HTTP request")
    questdb_retry_timeout: float = Field(10.0, ge=0, description="client's own ILP retry budget")
    questdb_wal_timeout: float = Field(10.0, ge=0, description="wait for WAL apply after a write")
    questdb_flush_rows: int = Field(50_000, ge=1, description="rows per ILP/HTTP request")
    questdb_table_prefix: str = Field("", pattern=r"^[A-Za-z0-9_]*$")
    spool_path: Path = Field(default_factory=lambda: default_data_dir() / "spool.sqlite")

    # Publishing, operations
    redis_url: SecretStr | None = None
    redis_prefix: str = Field(
        "liquidity", pattern=r"^[A-Za-z0-9_.-]+$", description="first part of every Redis name"
    )
    redis_stream_maxlen: int = Field(100_000, ge=1, description="approximate cap per stream")
    redis_timeout: float = Field(5.0, gt=0, description="seconds to connect and per command")
    discord_webhook_url: SecretStr | None = None
    metrics_port: int = Field(9108, gt=0, lt=65536)
    metrics_addr: str = "127.0.0.1"
    serve_interval: float = Field(0.0, ge=0, description="seconds; 0 = release schedule")
    serve_retry_first: float = Field(300.0, gt=0, description="first retry while a release is late")
    serve_retry_cap: float = Field(3600.0, gt=0, description="longest wait between retries")
    serve_max_retries: int = Field(12, ge=0)
    serve_snapshot_interval: float = Field(15.0, gt=0, description="seconds between store checks")
    serve_shutdown_timeout: float = Field(30.0, gt=0)
    overdue_grace: float = Field(12 * 3600.0, ge=0, description="seconds past a release")
    lease_ttl: float = Field(30.0, gt=0, description="seconds; with Redis, one active daemon")
    log_json: bool = False

    @field_validator(
        "fred_api_key", "redis_url", "discord_webhook_url", "questdb_password", mode="before"
    )
    @classmethod
    def _blank_secret_is_unset(cls, value: Any) -> Any:
        # Secret files often end with a newline; an empty one means "not set", not "".
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Highest first: init, environment, .env, the SOPS file, the secrets directory."""
        from liquidity.sops import SopsSettingsSource

        sops = SopsSettingsSource(settings_cls)
        return init_settings, env_settings, dotenv_settings, sops, file_secret_settings

    def secret_values(self) -> list[str]:
        """Every secret's plain value, for redaction."""
        secrets = (
            self.fred_api_key,
            self.redis_url,
            self.discord_webhook_url,
            self.questdb_password,
        )
        values = [s.get_secret_value() for s in secrets if s is not None and s.get_secret_value()]
        if self.redis_url is not None:  # a client error may quote the password alone
            password = urlsplit(self.redis_url.get_secret_value()).password
            values += [password] if password else []
        return values


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment; a bad value is a one-line ``ConfigError``."""
    secrets_dir = os.environ.get(f"{ENV_PREFIX}SECRETS_DIR")
    kwargs: dict[str, Any] = dict(overrides)
    if secrets_dir:
        if not Path(secrets_dir).is_dir():
            raise ConfigError(f"{ENV_PREFIX}SECRETS_DIR: {secrets_dir} is not a directory")
        kwargs["_secrets_dir"] = secrets_dir
    elif DEFAULT_SECRETS_DIR.is_dir():
        kwargs["_secrets_dir"] = DEFAULT_SECRETS_DIR
    try:
        return Settings(**kwargs)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    # Never echo the input: it may be a secret.
    parts = []
    for err in exc.errors(include_input=False, include_url=False):
        name = ENV_PREFIX + "_".join(str(p) for p in err["loc"]).upper()
        parts.append(f"{name}: {err['msg']}")
    return "invalid setting " + "; ".join(parts)
