"""Read-side library calls: a series or a Net Liquidity variant, as of any instant."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from liquidity.transforms.net_liquidity import NetLiquidityRow, components, compute, variant

if TYPE_CHECKING:
    from liquidity.models import Observation
    from liquidity.storage.base import Store


def series(
    store: Store,
    series_id: str,
    *,
    start: date | None = None,
    end: date | None = None,
    as_of: datetime | None = None,
) -> list[Observation]:
    return store.read(series_id, start=start, end=end, as_of=as_of)


def net_liquidity(
    store: Store,
    variant_name: str = "weekly",
    *,
    start: date | None = None,
    end: date | None = None,
    as_of: datetime | None = None,
) -> list[NetLiquidityRow]:
    """Net Liquidity with its components; only what was known at ``as_of`` if given.

    Components are read without ``start`` so that a daily index can carry the
    last weekly value from before the window into it.
    """
    v = variant(variant_name)
    rows = {sid: store.read(sid, end=end, as_of=as_of) for sid in components(v)}
    return [r for r in compute(v, rows) if start is None or r.date >= start]
