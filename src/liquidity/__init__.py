"""liquidity: US dollar liquidity data, with every vintage, as of any instant.

``liquidity.series(...)`` and ``liquidity.net_liquidity(...)`` return data frames,
``liquidity.plot(...)`` a chart (see ``liquidity.api``); they are imported on first use,
so that importing the package stays cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["net_liquidity", "plot", "series"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from liquidity import api

        return getattr(api, name)
    raise AttributeError(f"module 'liquidity' has no attribute {name!r}")
