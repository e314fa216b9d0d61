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


def decimals(values: Iterable[float]) -> int:
    """About four significant digits for the largest value, 0 to 3 decimals: 8.934
    (trillions), 2,553 (billions), 4.33 (percent)."""
    largest = max((abs(v) for v in values), default=0.0)
    if largest == 0 or not math.isfinite(largest):
        return 2
    return max(0, min(3, 3 - math.floor(math.log10(largest))))
