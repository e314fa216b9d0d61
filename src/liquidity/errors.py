"""The exception tree of liquidity.

Every error we raise on purpose derives from ``LiquidityError``; foreign
errors (httpx, duckdb, pydantic) are mapped at the boundary with
``raise ... from exc``. ``TransientError`` marks what is worth retrying.

    LiquidityError
    ├── ConfigError                 a setting is missing or invalid
    ├── SourceError                 a data source failed
    │   ├── SourceTransientError    (transient) 429, 5xx, timeout, connection
    │   │   └── RateLimitedError    429, with the server's Retry-After
    │   ├── SourceUnavailableError  the source's circuit breaker is open
    │   ├── SourceAPIError          the source answered with an error body
    │   │   └── AuthenticationError the API key was rejected
    │   └── MalformedResponseError  the body is not what the API documents
    ├── StorageError                the store failed
    │   ├── StorageUnavailableError (transient) unreachable or refusing writes
    │   └── StorageBusyError        (transient) another process holds the DuckDB file
    ├── PublishError                (transient) Redis failed a publish: retried next run
    └── UnitError                   a unit disagrees with the registry

Messages never carry secrets: URLs are redacted before they enter one, and a
settings file that cannot be read is named with its line (``unreadable``), never
quoted.
"""

from __future__ import annotations


class LiquidityError(Exception):
    """Base of every error liquidity raises on purpose."""


class TransientError(LiquidityError):
    """Marker: trying again later may succeed."""


class ConfigError(LiquidityError):
    """A setting is missing or invalid."""


class SourceError(LiquidityError):
    """A data source failed."""

    def __init__(self, message: str, *, source: str = "", series_id: str = "") -> None:
        super().__init__(message)
        self.source = source
        self.series_id = series_id


class SourceTransientError(SourceError, TransientError):
    """429, 5xx, timeout or lost connection: retried with backoff."""

    def __init__(
        self,
        message: str,
        *,
        source: str = "",
        series_id: str = "",
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, source=source, series_id=series_id)
        self.status_code = status_code


class RateLimitedError(SourceTransientError):
    """HTTP 429; ``retry_after`` is the server's hint in seconds, if any."""

    def __init__(
        self, message: str, *, source: str = "", series_id: str = "", retry_after: float | None
    ) -> None:
        super().__init__(message, source=source, series_id=series_id, status_code=429)
        self.retry_after = retry_after


class SourceUnavailableError(SourceError):
    """The source's circuit breaker is open: we do not call it for now."""


class SourceAPIError(SourceError):
    """The source answered with a documented error body (FRED error_message, Yahoo chart.error)."""


class AuthenticationError(SourceAPIError):
    """The API key was rejected."""


class MalformedResponseError(SourceError):
    """The response body does not have the documented shape."""


class StorageError(LiquidityError):
    """The store failed to read or write."""


class StorageUnavailableError(StorageError, TransientError):
    """The store cannot be reached or refuses writes for now: writes go to the spool."""


class StorageBusyError(StorageError, TransientError):
    """Another process holds the DuckDB file (one writer at a time) past our wait."""


class PublishError(TransientError):
    """Publishing to Redis failed; the store keeps the data and the cursor the backlog."""


class UnitError(LiquidityError):
    """A source reports a unit that disagrees with the registry."""


def unreadable(what: str, exc: OSError | UnicodeDecodeError) -> ConfigError:
    """One line saying why ``what`` could not be read: the line, never the content."""
    if isinstance(exc, UnicodeDecodeError):
        line = bytes(exc.object[: exc.start]).count(b"\n") + 1
        return ConfigError(f"{what}: not UTF-8 at line {line}")
    return ConfigError(f"{what}: cannot read it ({exc.strerror or type(exc).__name__})")
