"""Read-side library calls: a series or a Net Liquidity variant, as of any instant."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from liquidity.transforms.net_liquidity import NetLiquidityRow, components, compute, variant
from liquidity.window import EVERYTHING, Window

if TYPE_CHECKING:
    from liquidity.catalog import Catalog
    from liquidity.catalog.compute import DerivedRow
    from liquidity.models import Observation
    from liquidity.storage.base import Store

NET_LIQUIDITY = "net-liquidity"


def series(
    store: Store,
    series_id: str,
    window: Window = EVERYTHING,
) -> list[Observation]:
    return store.read(series_id, start=window.start, end=window.end, as_of=window.as_of)


def net_liquidity(
    store: Store,
    variant_name: str = "weekly",
    window: Window = EVERYTHING,
) -> list[NetLiquidityRow]:
    """Net Liquidity with its components; only what was known at ``window.as_of`` if given.

    Components are read without ``start`` so that a daily index can carry the
    last weekly value from before the window into it.
    """
    v = variant(variant_name)
    start, end, as_of = window.start, window.end, window.as_of
    rows = {sid: store.read(sid, end=end, as_of=as_of) for sid in components(v)}
    return [r for r in compute(v, rows) if start is None or r.date >= start]


def derived(
    store: Store, catalog: Catalog, entry_id: str, window: Window = EVERYTHING
) -> list[DerivedRow]:
    """A formula of the catalog with its operands, from what was known at ``window.as_of``.
    Operands are read without ``start``: a daily row carries the last weekly value."""
    from liquidity.catalog.compute import evaluate

    def read(sid: str) -> list[Observation]:
        return store.read(sid, end=window.end, as_of=window.as_of)

    rows = evaluate(catalog, catalog.derived[entry_id], read)
    return [r for r in rows if window.start is None or r.date >= window.start]


def values(
    store: Store, catalog: Catalog, entry_id: str, window: Window = EVERYTHING
) -> list[tuple[date, float]]:
    """(date, value) of any catalog entry, stored or derived, as of ``window.as_of``."""
    if entry_id in catalog.derived:
        return [(r.date, r.value) for r in derived(store, catalog, entry_id, window)]
    return [(o.date, o.value) for o in series(store, entry_id, window)]


def base_series(catalog: Catalog, entry_id: str) -> list[str]:
    """The stored series an entry is computed from (itself, for a stored series)."""
    if entry_id not in catalog.derived:
        return [entry_id]
    out: dict[str, None] = {}
    for op in catalog.derived[entry_id].operands:
        out.update(dict.fromkeys(base_series(catalog, op)))
    return list(out)


def realtime(
    store: Store, catalog: Catalog, entry_id: str, window: Window = EVERYTHING
) -> list[tuple[date, float]]:
    """``entry_id`` as it was known at the end of each day (New York), from every stored
    vintage in one read per series and one pass (``catalog.compute.realtime``).
    ``window.as_of`` does not apply: each day is its own as-of."""
    from liquidity.catalog.compute import realtime as known_each_day

    rows = {sid: store.vintages(sid, end=window.end) for sid in base_series(catalog, entry_id)}
    start = window.start
    return [r for r in known_each_day(catalog, entry_id, rows) if start is None or r[0] >= start]


def why_empty(
    store: Store,
    what: str,
    variant_name: str = "weekly",
    window: Window = EVERYTHING,
) -> str:
    """Why a read of ``what`` (a series id or ``net-liquidity``) found no rows, in one line:
    nothing collected, nothing public yet at ``as_of``, or a window that misses what is
    stored (named, with the first and last date stored)."""
    from liquidity.catalog.active import active_catalog

    start, end, as_of = window.start, window.end, window.as_of
    catalog = active_catalog()
    if what in catalog.derived:
        return _derived_empty(store, catalog, what, window)
    if what.lower() != NET_LIQUIDITY:
        return _series_empty(store, what, start, end, as_of)
    v = variant(variant_name)
    parts = components(v)
    absent = [sid for sid in parts if not store.read(sid)]
    if len(absent) == len(parts):
        return f"no data for {NET_LIQUIDITY}; run `liquidity collect` first"
    name = f"{NET_LIQUIDITY} ({variant_name}: {', '.join(parts)})"
    if absent:
        ids = " ".join(absent)
        return f"no data for {', '.join(absent)}, needed by {name}; run `liquidity collect {ids}`"
    for sid in parts:
        if as_of is not None and not store.read(sid, as_of=as_of):
            return f"{name}: {_series_empty(store, sid, None, None, as_of)}"
    full = net_liquidity(store, variant_name, Window(as_of=as_of))
    if not full:
        return f"{name}: the components have no date in common{_at(as_of)}"
    return _window_empty(NET_LIQUIDITY, full[0].date, full[-1].date, start, end, as_of)


def _derived_empty(store: Store, catalog: Catalog, entry_id: str, window: Window) -> str:
    entry = catalog.derived[entry_id]
    name = f"{entry_id} ({entry.formula})"
    absent = [sid for sid in base_series(catalog, entry_id) if not store.read(sid)]
    if absent:
        ids = " ".join(absent)
        return f"no data for {', '.join(absent)}, needed by {name}; run `liquidity collect {ids}`"
    return f"no {name} rows in this window{_at(window.as_of)}: its inputs have no date in common"


def _series_empty(
    store: Store, series_id: str, start: date | None, end: date | None, as_of: datetime | None
) -> str:
    stored = store.read(series_id)
    if not stored:
        return f"no data for {series_id}; run `liquidity collect {series_id}` first"
    known = stored if as_of is None else store.read(series_id, as_of=as_of)
    if not known:
        return (
            f"no {series_id} value was public yet{_at(as_of)}; "
            f"stored: {stored[0].date} to {stored[-1].date}"
        )
    return _window_empty(series_id, known[0].date, known[-1].date, start, end, as_of)


def _window_empty(
    what: str, first: date, last: date, start: date | None, end: date | None, as_of: datetime | None
) -> str:
    window = " ".join(f"{name} {day}" for name, day in (("--start", start), ("--end", end)) if day)
    held = "known then" if as_of is not None else "stored"
    return f"no {what} rows in the window {window}{_at(as_of)}; {held}: {first} to {last}"


def _at(as_of: datetime | None) -> str:
    return "" if as_of is None else f" as of {as_of.isoformat(timespec='seconds')}"
