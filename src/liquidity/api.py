"""The Python API for notebooks: any series or Net Liquidity as a data frame, as of any instant.

    >>> import liquidity
    >>> liquidity.net_liquidity("weekly", as_of="2024-03-15T12:00:00-04:00")   # pandas
    >>> liquidity.series("WALCL", start="2020-01-01", frame="polars")
    >>> liquidity.series("NETLIQ_DAILY", realtime=True)   # each day as known that evening
    >>> liquidity.plot("net-liquidity", overlay="VIX")   # a plotly figure (Jupyter shows it)
    >>> liquidity.plot(["WALCL", "RRPONTSYD"], "walcl.png", start="2020-01-01")

Settings come from the environment (``LIQUIDITY_*``, ``.env``) unless given.
Frames: ``pandas`` (``pip install 'liquidity[frames]'``) or ``polars``.
Dates and instants are read as on the command line (``liquidity.window``); a bad one, or
``start`` after ``end``, raises ``liquidity.errors.ConfigError``.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from liquidity.errors import ConfigError
from liquidity.window import Window

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
    realtime: bool = False,
    frame: Frame = "pandas",
    settings: Settings | None = None,
) -> Any:
    """One row per date of a catalog series or formula: the value known at ``as_of``
    (default: the latest), or with ``realtime`` the value public at the end of each day
    (New York; columns ``date``, ``value``). A formula has its operands beside ``value``."""
    window = Window.parse(start, end, as_of)
    if realtime and window.as_of is not None:
        raise ConfigError("realtime shows each day as known that day: drop as_of")
    return _with_store(settings, lambda s: _series_data(s, series_id, window, realtime, frame))


def _series_data(store: Any, series_id: str, window: Window, realtime: bool, frame: Frame) -> Any:
    from liquidity import query
    from liquidity.catalog.active import active_catalog

    catalog = active_catalog()
    entry_id = catalog.find(series_id)
    if realtime:
        rows = query.realtime(store, catalog, entry_id, window)
        data: dict[str, list[Any]] = {"date": [d for d, _ in rows], "value": [v for _, v in rows]}
        return _frame(data, frame, ["date", "value"])
    if entry_id in catalog.derived:
        derived = query.derived(store, catalog, entry_id, window)
        parts = list(catalog.derived[entry_id].operands)
        data = {"date": [r.date for r in derived], "value": [r.value for r in derived]}
        for part in parts:
            data[part] = [r.components[part] for r in derived]
        return _frame(data, frame, ["date", "value", *parts])
    obs = query.series(store, entry_id, window)
    columns: dict[str, list[Any]] = {
        "date": [o.date for o in obs],
        "value": [o.value for o in obs],
        "realtime_start": [o.realtime_start for o in obs],
        "known_at": [o.known_at for o in obs],
        "source": [o.source for o in obs],
    }
    return _frame(columns, frame, SERIES_COLUMNS)


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
    window = Window.parse(start, end, as_of)
    rows = _with_store(settings, lambda s: query.net_liquidity(s, variant, window))
    data: dict[str, list[Any]] = {
        "date": [r.date for r in rows],
        "net_liquidity": [r.net_liquidity for r in rows],
    }
    for part in parts:
        data[part] = [r.components[part] for r in rows]
    return _frame(data, frame, ["date", "net_liquidity", *parts])


def plot(
    what: str | list[str],
    output: str | Path | None = None,
    *,
    variant: str = "weekly",
    start: date | str | None = None,
    end: date | str | None = None,
    as_of: datetime | str | None = None,
    overlay: str | None = None,
    realtime: bool = False,
    layout: str = "auto",
    money: str = "auto",
    shade: list[str] | None = None,
    plotly_js: str = "inline",
    settings: Settings | None = None,
) -> Any:
    """The chart ``liquidity plot`` draws: written to ``output`` (.png, .svg, .html; the
    path is returned), or without ``output`` a plotly figure to show or restyle."""
    from liquidity import plots

    names = [what] if isinstance(what, str) else list(what)
    path = None if output is None else Path(output)
    if path is not None:
        plots.output_format(path)  # a bad suffix fails before any reading
    window = Window.parse(start, end, as_of)

    def prepare(store: Any) -> plots.Chart:
        return plots.prepare(
            store,
            names,
            variant=variant,
            window=window,
            overlay=overlay,
            realtime=realtime,
            layout=layout,
            money=money,
            shade=shade or [],
        )

    chart = _with_store(settings, prepare)
    if path is None:
        return plots.plotly_figure(chart)
    return plots.render(chart, path, plotly_js=plotly_js)


def _with_store(settings: Settings | None, read: Any) -> Any:
    from liquidity.compose import install_catalog, store_config
    from liquidity.config import load_settings
    from liquidity.storage import open_store

    settings = settings or load_settings()
    install_catalog(settings)
    store = open_store(store_config(settings), lock_wait=settings.duckdb_lock_wait)
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
