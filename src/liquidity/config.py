"""Settings: one ``Settings`` built once (by the CLI, the daemon's command or the Python API)
and mapped by ``liquidity.compose`` onto each part's own config; nothing below reads it.

Sources, highest priority first: init arguments, ``LIQUIDITY_*`` environment
variables, a ``.env`` file, a SOPS-encrypted file (``LIQUIDITY_SECRETS_FILE``,
see ``sops.py``), a secrets directory (``LIQUIDITY_SECRETS_DIR``, else
``/run/secrets`` if present; one file per setting, named like its env var, e.g.
``LIQUIDITY_FRED_API_KEY``). Nothing here reads the environment at import time.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    HttpUrl,
    SecretStr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.exceptions import SettingsError

from liquidity.errors import ConfigError, unreadable

ENV_PREFIX = "LIQUIDITY_"
DEFAULT_SECRETS_DIR = Path("/run/secrets")
DOTENV = ".env"
SOURCE_URLS = ("fred_api_url", "fred_graph_url", "yahoo_url", "nyfed_url", "treasury_url")
REDIS_SCHEMES = ("redis", "rediss", "unix")
_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def default_data_dir() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "liquidity"


def default_duckdb_path() -> Path:
    return default_data_dir() / "liquidity.duckdb"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=DOTENV,
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
    # The largest real answer is a FRED page of 100,000 observations (~10 MB of JSON);
    # an answer past the cap is refused while it streams, so memory stays bounded.
    http_max_response_mb: float = Field(32.0, gt=0, description="cap on one decoded answer")
    retry_attempts: int = Field(5, ge=1, le=20)
    retry_initial_wait: float = Field(1.0, ge=0)
    retry_max_wait: float = Field(60.0, ge=0, description="cap on one wait, Retry-After included")
    breaker_threshold: int = Field(5, ge=1)
    breaker_ttl: float = Field(60.0, gt=0)

    # The user's catalog of series and formulas (LIQUIDITY_CATALOG); unset: the file
    # catalog.toml in the user's config directory, if there is one (liquidity.catalog).
    catalog: Path | None = None
    # FRED's units of catalog entries that leave them to FRED (with a key), cached;
    # unset: fred_units.json beside the DuckDB file (liquidity.compose).
    fred_units_path: Path | None = None

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
    # Each ILP/HTTP request is a WAL transaction, and QuestDB applies each one by merging it
    # into every partition it touches: one per write is least work (half the apply time of
    # 50k for the bench's 100k-row writes); 200k rows are about 30 MB of ILP text.
    questdb_flush_rows: int = Field(200_000, ge=1, description="rows per ILP/HTTP request")
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
    # Release-window polling (``serve.live``, ``serve.cadence``); README "Live feed"
    live: bool = Field(True, description="poll around each release; false: retry schedule")
    live_lead: float = Field(120.0, ge=0, description="seconds before a release to start polling")
    live_floor: float = Field(5.0, gt=0, description="least seconds between polls of a window")
    live_ramp_before: float = Field(60.0, gt=0, description="seconds early per extra floor")
    live_ramp_after: float = Field(600.0, gt=0, description="seconds late per extra floor")
    live_cap: float = Field(300.0, gt=0, description="most seconds between polls of a window")
    live_close: float = Field(3 * 3600.0, gt=0, description="seconds late before overdue")
    live_poll_share: float = Field(0.25, gt=0, le=1, description="of a source's rate, polls")
    budget_fred: int = Field(20_000, ge=0, description="FRED requests a day, at most")
    budget_yahoo: int = Field(2_000, ge=0, description="Yahoo requests a day, at most")
    budget_nyfed: int = Field(5_000, ge=0, description="NY Fed requests a day, at most")
    budget_treasury_dts: int = Field(5_000, ge=0, description="Treasury requests a day, at most")
    overdue_grace: float = Field(12 * 3600.0, ge=0, description="seconds past a release")
    lease_ttl: float = Field(30.0, gt=0, description="seconds; with Redis, one active daemon")
    log_json: bool = False

    @field_validator("*", mode="before")
    @classmethod
    def _text_is_utf8(cls, value: Any) -> Any:
        # The environment keeps bytes that are not UTF-8 as lone surrogates (PEP 383); a
        # client encoding one later fails with the whole value, a secret, in its message.
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise PydanticCustomError("not_utf8", "not UTF-8") from None
        return value

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

    @field_validator(*SOURCE_URLS, "discord_webhook_url")
    @classmethod
    def _http_url(cls, value: str | SecretStr | None, info: ValidationInfo) -> Any:
        field = cls.model_fields[info.field_name or ""]
        if value is None or value == field.default:  # the defaults are known good
            return value
        check_http_url(value.get_secret_value() if isinstance(value, SecretStr) else value)
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            check_redis_url(value.get_secret_value())
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
        secrets_dir = getattr(file_secret_settings, "secrets_dir", None)
        secrets = SecretsDirSource(settings_cls, secrets_dir=secrets_dir)
        return init_settings, env_settings, dotenv_settings, sops, secrets

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
    except (OSError, UnicodeDecodeError) as exc:
        # Only the .env reader lets these out (the other sources say which file failed);
        # a UnicodeDecodeError's text holds the whole file: never pass it on.
        env_file = kwargs.get("_env_file", DOTENV)
        path = Path(getattr(exc, "filename", None) or str(env_file)).absolute()
        raise unreadable(f"settings file {path}", exc) from None


class SecretsDirSource(SecretsSettingsSource):
    """The secrets directory; a file that cannot be read is named, its content never shown."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        try:
            return super().get_field_value(field, field_name)
        except (OSError, UnicodeDecodeError) as exc:
            path = getattr(exc, "filename", None) or self._file_of(field_name)
            raise unreadable(f"secret file {path}", exc) from None

    def _file_of(self, field_name: str) -> str:
        name = ENV_PREFIX + field_name.upper()
        for folder in reversed(self.secrets_paths):  # the order the parent reads them in
            if (path := self.find_case_path(folder, name, case_sensitive=False)) is not None:
                return str(path)
        return name

    def __call__(self) -> dict[str, Any]:
        try:
            return super().__call__()
        except SettingsError as exc:
            # pydantic-settings wraps our one line in its own, less precise one.
            if isinstance(exc.__cause__, ConfigError):
                raise exc.__cause__ from None
            raise


def check_http_url(text: str) -> None:
    """An http(s) URL with a host, as httpx (the client) and a browser both read it."""
    import httpx  # here: only a URL someone set is checked, and reading the store needs no httpx

    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        raise PydanticCustomError("http_url", "not a valid URL") from None
    if url.scheme not in ("http", "https"):
        raise PydanticCustomError("http_url", "must start with http:// or https://")
    if not url.host:
        raise PydanticCustomError("http_url", "has no host")
    try:
        # httpx takes any port and any host text; this catches 99999 and "exa mple.com".
        _HTTP_URL.validate_python(text)
    except ValidationError as exc:
        reason = exc.errors(include_input=False)[0]["msg"]
        raise PydanticCustomError("http_url", "{reason}", {"reason": reason}) from None
    if url.port == 0:
        raise PydanticCustomError("http_url", "port must be 1 to 65535")


# A password with one of these cuts the URL short where it stands: the usual cause of both.
_ENCODE = " (in a password, write / # ? @ as %2F %23 %3F %40)"


def check_redis_url(text: str) -> None:
    """What ``redis.from_url`` would get wrong or take silently, said without the password."""
    parts = urlsplit(text)
    if parts.scheme not in REDIS_SCHEMES:
        raise PydanticCustomError(
            "redis_url", "must start with redis://, rediss:// or unix://, e.g. redis://host:6379/0"
        )
    try:
        bad_port = parts.port == 0
    except ValueError:  # not a number or past 65535; urllib's message would quote it
        bad_port = True
    if bad_port:
        raise PydanticCustomError("redis_url", f"port must be a number from 1 to 65535{_ENCODE}")
    if parts.scheme == "unix":
        if not parts.path:
            raise PydanticCustomError("redis_url", "has no socket path")
    else:
        if not parts.hostname:
            raise PydanticCustomError("redis_url", f"has no host{_ENCODE}")
        # redis-py reads the path as the db, and takes db 0 when it is not a number.
        if not re.fullmatch(r"/?\d*", parts.path):
            raise PydanticCustomError(
                "redis_url", "the db after the port must be a number, e.g. /0"
            )
    from redis.connection import parse_url  # here: only a configured Redis loads redis

    try:
        options = parse_url(text)  # type: ignore[no-untyped-call]
    except ValueError as exc:  # scheme and port are checked: only a ?name=value is left
        name = re.search(r"'(\w+)'", str(exc))  # redis-py names the option, never the value
        option = f"?{name[1]}=" if name else "an option"
        raise PydanticCustomError(
            "redis_url", "{option} has an invalid value", {"option": option}
        ) from None
    if options.get("db", 0) < 0:
        raise PydanticCustomError("redis_url", "the db must be 0 or more")


def _describe(exc: ValidationError) -> str:
    # Never echo the input: it may be a secret.
    parts = []
    for err in exc.errors(include_input=False, include_url=False):
        name = ENV_PREFIX + "_".join(str(p) for p in err["loc"]).upper()
        parts.append(f"{name}: {err['msg']}")
    return "invalid setting " + "; ".join(parts)
