"""One money unit per chart, and how many decimals a value of a unit deserves."""

from __future__ import annotations

import math
from collections.abc import Iterable

from liquidity.errors import ConfigError

MONEY = {"millions": 1e6, "billions": 1e9, "trillions": 1e12}  # USD in one unit
MONEY_CHOICES = ("auto", *MONEY)


def money_label(name: str) -> str:
    return f"USD {name}"


def choose_money(usd: Iterable[float], forced: str = "auto") -> str:
    """The unit the largest amount reads in with 1 to 3 digits before the point (8.93
    trillions, not 8,934,346 millions), unless ``forced`` names one."""
    if forced != "auto":
        if forced not in MONEY:
            raise ConfigError(
                f"unknown money unit {forced!r}; use one of {', '.join(MONEY_CHOICES)}"
            )
        return forced
    largest = max((abs(v) for v in usd), default=0.0)
    for name in ("trillions", "billions"):
        if largest >= MONEY[name]:
            return name
    return "millions"


# Four significant digits, never an exponent: 8.934 (trillions), 2,553 (billions),
# 0.001559 (1.559 billion in trillions), 4.11 (percent). The same rule in both renderers:
# Python's for labels, d3-format's in plotly's hover.
HOVER_FORMAT = ",.4~r"


def shown(value: float) -> str:
    """``value`` with four significant digits (thousands grouped, trailing zeros kept off)."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    if abs(value) >= 1e4:
        return f"{value:,.0f}"
    places = max(0, 3 - math.floor(math.log10(abs(value))))
    return f"{value:,.{places}f}".rstrip("0").rstrip(".") if places else f"{value:,.0f}"
