"""Charts of Net Liquidity and of series: what is drawn, then how.

Data preparation (``prepare``) decides every line: dates, values, gaps, one money unit,
the axes, what the picture is (vintages or a cut, coverage, z-score dates) and where it
comes from (a footnote). Rendering only draws a ``Chart``: matplotlib (Agg, no display)
for ``.png`` / ``.svg``, plotly for ``.html``. The plotting libraries are imported only
when rendering (``liquidity[plots]``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from liquidity.plots.model import Chart, Line, Panel, Period
from liquidity.plots.prepare import (
    LAYOUTS,
    NET_LIQUIDITY,
    PlotError,
    net_liquidity_chart,
    normalised,
    prepare,
    series_chart,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FORMATS = (".png", ".svg", ".html")
INSTALL_HINT = "pip install 'liquidity[plots]'"


def output_format(path: Path) -> str:
    """``png``, ``svg`` or ``html`` from the file's suffix; anything else is refused."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(FORMATS)
        raise PlotError(f"cannot plot to {path.name!r}: unknown suffix; use one of {known}")
    return suffix[1:]


def check_plotly_js(plotly_js: str) -> str:
    from liquidity.plots.html import PLOTLY_JS

    if plotly_js not in PLOTLY_JS:
        raise PlotError(f"unknown --plotly {plotly_js!r}; use one of {', '.join(PLOTLY_JS)}")
    return plotly_js


def render(chart: Chart, path: Path, *, plotly_js: str = "inline") -> Path:
    """Draw ``chart`` into ``path``; the format comes from its suffix."""
    fmt = output_format(path)
    if fmt == "html":
        _require("plotly")
        from liquidity.plots.html import write

        write(chart, path, check_plotly_js(plotly_js))
    else:
        _require("matplotlib")
        from liquidity.plots.mpl import DPI

        figure(chart).savefig(path, format=fmt, dpi=DPI)
    return path


def figure(chart: Chart) -> Figure:
    from liquidity.plots.mpl import figure as draw

    return draw(chart)


def plotly_figure(chart: Chart) -> Any:
    from liquidity.plots.html import plotly_figure as draw

    return draw(chart)


def _require(module: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise PlotError(f"plotting needs {module}: {INSTALL_HINT}") from None


__all__ = [
    "FORMATS",
    "LAYOUTS",
    "NET_LIQUIDITY",
    "Chart",
    "Line",
    "Panel",
    "Period",
    "PlotError",
    "check_plotly_js",
    "figure",
    "net_liquidity_chart",
    "normalised",
    "output_format",
    "plotly_figure",
    "prepare",
    "render",
    "series_chart",
]
