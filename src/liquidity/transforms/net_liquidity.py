"""Net Liquidity variants: derived entries of the catalog (``default.toml``).

- ``weekly`` (``NETLIQ_WEEKLY``): WALCL - (WLRRAL + WDTGAL) on the Wednesdays where all
  three exist.
- ``daily`` (``NETLIQ_DAILY``): for each RRPONTSYD date, WALCL - (RRPONTSYD + WTREGEN),
  each the latest observation dated on or before that day.
- ``primary`` (``NETLIQ_PRIMARY``): for each Daily Treasury Statement date, WALCL - (the
  NY Fed's ON RRP accepted + the DTS TGA closing balance), from the primary sources.
All components in USD millions: the formula converts its operands (``catalog.formula``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from liquidity.errors import ConfigError

# Each variant's derived entry in the catalog (also its published id).
NETLIQ_IDS = {"weekly": "NETLIQ_WEEKLY", "daily": "NETLIQ_DAILY", "primary": "NETLIQ_PRIMARY"}

if TYPE_CHECKING:
    from liquidity.catalog import DerivedEntry
    from liquidity.models import Observation


@dataclass(frozen=True, slots=True)
class NetLiquidityRow:
    date: date
    net_liquidity: float  # USD millions
    components: dict[str, float]  # series id -> USD millions


def variants() -> dict[str, DerivedEntry]:
    """The variants by name (``weekly``, ``daily``, ``primary``), from the active catalog."""
    from liquidity.catalog.active import active_catalog

    derived = active_catalog().derived
    return {name: derived[did] for name, did in NETLIQ_IDS.items() if did in derived}


def variant(name: str) -> DerivedEntry:
    found = variants()
    try:
        return found[name]
    except KeyError:
        raise ConfigError(f"unknown variant {name!r}; known: {', '.join(found)}") from None


def components(v: DerivedEntry) -> tuple[str, ...]:
    return v.operands


def compute(v: DerivedEntry, rows: Mapping[str, Sequence[Observation]]) -> list[NetLiquidityRow]:
    """Net Liquidity from each component's rows (one per date, ascending)."""
    from liquidity.catalog.active import active_catalog
    from liquidity.catalog.compute import evaluate

    out = evaluate(active_catalog(), v, lambda sid: rows.get(sid, ()))
    return [NetLiquidityRow(r.date, r.value, r.components) for r in out]
