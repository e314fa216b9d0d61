"""The Python API for notebooks: any series or Net Liquidity as a data frame, as of any instant.

    >>> import liquidity
    >>> liquidity.net_liquidity("weekly", as_of="2024-03-15T12:00:00-04:00")   # pandas
    >>> liquidity.series("WALCL", start="2020-01-01", frame="polars")

Settings come from the environment (``LIQUIDITY_*``, ``.env``) unless given.
Frames: ``pandas`` (``pip install 'liquidity[frames]'``) or ``polars``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal

from liquidity.errors import ConfigError

if TYPE_CHECKING:
    from liquidity.config import Settings

Frame = Literal["pandas", "polars"]
SERIES_COLUMNS = ["date", "value", "realtime_start", "known_at", "source"]


def series(
    series_id: str,
    *,
    start: date | str | None = None,
    end: date | str | None = None,
    as_of: datetime | str | None = None,
    frame: Frame = "pandas",
    settings: Settings | None = None,
) -> Any:
    """One row per date: the value known at ``as_of`` (default: the latest)."""
    from liquidity import query
    from liquidity.registry import get

    spec = get(series_id)
    rows = _with_store(settings, lambda s: query.series(
        s, spec.id, start=_day(start), end=_day(end), as_of=_instant(as_of)))  # fmt: skip
    data = {
        "date": [o.date for o in rows],
        "value": [o.value for o in rows],
        "realtime_start": [o.realtime_start for o in rows],
        "known_at": [o.known_at for o in rows],
        "source": [o.source for o in rows],
    }
    return _frame(data, frame, SERIES_COLUMNS)


def net_liquidity(
    variant: str = "weekly",
    *,
    start: date | str | None = None,
    end: date | str | None = None,
    as_of: datetime | str | None = None,
    frame: Frame = "pandas",
    settings: Settings | None = None,
) -> Any:
    """``net_liquidity`` and its components, USD millions, known at ``as_of``."""
    from liquidity import query
    from liquidity.transforms.net_liquidity import components
    from liquidity.transforms.net_liquidity import variant as find

    parts = list(components(find(variant)))
    rows = _with_store(settings, lambda s: query.net_liquidity(
        s, variant, start=_day(start), end=_day(end), as_of=_instant(as_of)))  # fmt: skip
    data: dict[str, list[Any]] = {"date": [r.date for r in rows],
                                  "net_liquidity": [r.net_liquidity for r in rows]}  # fmt: skip
    for part in parts:
        data[part] = [r.components[part] for r in rows]
    return _frame(data, frame, ["date", "net_liquidity", *parts])


def _with_store(settings: Settings | None, read: Any) -> Any:
    from liquidity.config import load_settings
    from liquidity.storage import open_store

    settings = settings or load_settings()
    store = open_store(settings, lock_wait=settings.duckdb_lock_wait)
    try:
        return read(store)
    finally:
        store.close()


def _frame(data: dict[str, list[Any]], frame: Frame, columns: list[str]) -> Any:
    if frame == "polars":
        try:
            import polars as pl
        except ImportError:
            raise ConfigError("polars is not installed: pip install polars") from None
        return pl.DataFrame(data)
    if frame != "pandas":
        raise ConfigError(f"frame must be 'pandas' or 'polars', not {frame!r}")
    try:
        import pandas as pd
    except ImportError:
        raise ConfigError("pandas is not installed: pip install 'liquidity[frames]'") from None
    df = pd.DataFrame(data, columns=columns)
    df["date"] = pd.to_datetime(df["date"])
    return df.set_index("date")


def _day(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _instant(value: datetime | str | None) -> datetime | None:
    """As on the command line: naive = UTC, clamped to what UTC can hold."""
    from liquidity.cli.options import parse_instant, representable

    if isinstance(value, str):
        return parse_instant(value)
    if value is None:
        return None
    return representable(value if value.tzinfo else value.replace(tzinfo=UTC))
