"""Units and the one place where values change scale.

FRED writes the same unit several ways ("Millions of U.S. Dollars", "Billions of
US Dollars", "Bil. of $"), so its ``units`` text is parsed into a
:class:`Measure` (a dimension and a scale) rather than looked up verbatim; only
a text whose words we do not know is refused.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import NamedTuple

from liquidity.errors import UnitError


class Measure(NamedTuple):
    """What a number counts (``usd``, ``percent``, ...) and in what multiple of it."""

    dimension: str
    scale: float


class Unit(Enum):
    """A canonical unit of the registry."""

    USD_MILLIONS = Measure("usd", 1e6)
    USD_BILLIONS = Measure("usd", 1e9)
    PERCENT = Measure("percent", 1.0)
    BASIS_POINTS = Measure("percent", 0.01)  # a hundredth of a percentage point
    INDEX = Measure("index", 1.0)

    @property
    def dimension(self) -> str:
        return str(self.value.dimension)

    @property
    def scale(self) -> float:
        return float(self.value.scale)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Unit.USD_MILLIONS: "USD millions",
    Unit.USD_BILLIONS: "USD billions",
    Unit.PERCENT: "percent",
    Unit.BASIS_POINTS: "basis points",
    Unit.INDEX: "index points",
}

_SCALES = {
    "": 1.0,
    "thousands": 1e3,
    "thous": 1e3,
    "millions": 1e6,
    "mil": 1e6,
    "billions": 1e9,
    "bil": 1e9,
    "trillions": 1e12,
    "tril": 1e12,
}
# "<scale> of [U.S.|US] [Chained 2017] Dollars|$"; dots and spacing already normalised.
_MONEY = re.compile(
    r"^(?:(?P<scale>[a-z]+) of )?(?:us )?(?:chained (?P<chained>\d{4}) )?(?:dollars|\$)$"
)
_PLAIN = {"percent": "percent", "%": "percent", "index": "index", "lin": "index"}
_CATALOG = {
    "basis points": Measure("percent", 0.01),
    "bp": Measure("percent", 0.01),
    "index points": Measure("index", 1.0),
}


def _normalise(text: str) -> str:
    """Lower case, no dots, single spaces, and 'u s' (from 'U.S.') as 'us'."""
    words = text.lower().replace(".", " ").split()
    joined = " ".join(words)
    return re.sub(r"\bu s\b", "us", joined)


def parse_units(text: str) -> Measure:
    """FRED's ``units`` (or ``units_short``) text as a measure; :class:`UnitError` if unknown.

    Chained (real) dollars are a dimension of their own: they never convert to
    nominal dollars. ``Index 2015=100`` and friends are indices.
    """
    norm = _normalise(text)
    if norm in _CATALOG:
        return _CATALOG[norm]
    if norm in _PLAIN:
        return Measure(_PLAIN[norm], 1.0)
    if norm.startswith("index "):
        return Measure("index", 1.0)
    money = _MONEY.match(norm)
    if money is not None and (money["scale"] or "") in _SCALES:
        chained = money["chained"]
        dimension = "usd" if chained is None else f"usd chained {chained}"
        return Measure(dimension, _SCALES[money["scale"] or ""])
    raise UnitError(f"unknown unit {text!r}")


def unit_from_fred(units: str) -> Measure | None:
    """Parse FRED's units text; ``None`` when we do not know it."""
    try:
        return parse_units(units)
    except UnitError:
        return None


def factor(source: Unit | Measure, target: Unit | Measure) -> float:
    """Multiply a value in ``source`` by this to express it in ``target``."""
    src = source.value if isinstance(source, Unit) else source
    dst = target.value if isinstance(target, Unit) else target
    if src.dimension != dst.dimension:
        raise UnitError(f"cannot convert {src.dimension} to {dst.dimension}")
    return float(src.scale / dst.scale)


def unit_of(measure: Measure) -> Unit | None:
    """The registry unit with this dimension and scale, if there is one."""
    for unit in Unit:
        if unit.value == measure:
            return unit
    return None


def parse_unit_label(text: str) -> Unit:
    """A catalog's ``unit =`` text ("USD millions", "basis points", or FRED's own words)
    as a registry unit; :class:`UnitError` when it names none."""
    norm = _normalise(text)
    for unit, label in _LABELS.items():
        if norm == label.lower():
            return unit
    words = norm.split()
    if len(words) == 2 and words[0] == "usd":  # "USD millions" and friends
        norm = f"{words[1]} of us dollars"
    found = unit_of(parse_units(norm))
    if found is None:
        raise UnitError(f"unit {text!r} is not one the registry keeps")
    return found


def convert(value: float, source: Unit, target: Unit) -> float:
    return value if source is target else value * factor(source, target)
