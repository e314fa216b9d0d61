"""Units and the one place where values change scale."""

from __future__ import annotations

from enum import Enum

from liquidity.errors import UnitError


class Unit(Enum):
    """A canonical unit: (dimension, scale relative to the dimension's base)."""

    USD_MILLIONS = ("usd", 1e6)
    USD_BILLIONS = ("usd", 1e9)
    PERCENT = ("percent", 1.0)
    INDEX = ("index", 1.0)

    @property
    def dimension(self) -> str:
        return self.value[0]

    @property
    def scale(self) -> float:
        return self.value[1]

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Unit.USD_MILLIONS: "USD millions",
    Unit.USD_BILLIONS: "USD billions",
    Unit.PERCENT: "percent",
    Unit.INDEX: "index points",
}

# FRED's `units` field (series metadata) to our units.
_FRED_UNITS = {
    "millions of u.s. dollars": Unit.USD_MILLIONS,
    "billions of u.s. dollars": Unit.USD_BILLIONS,
    "percent": Unit.PERCENT,
    "index": Unit.INDEX,
}


def factor(source: Unit, target: Unit) -> float:
    """Multiply a value in ``source`` by this to express it in ``target``."""
    if source.dimension != target.dimension:
        raise UnitError(f"cannot convert {source.label} to {target.label}")
    return source.scale / target.scale


def convert(value: float, source: Unit, target: Unit) -> float:
    return value if source is target else value * factor(source, target)


def unit_from_fred(units: str) -> Unit | None:
    """Map FRED's units text; ``None`` when we do not know it."""
    return _FRED_UNITS.get(units.strip().lower())
