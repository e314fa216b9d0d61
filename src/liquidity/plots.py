"""Charts of Net Liquidity and of series: what is drawn, then how.

Data preparation (``prepare`` and the pure ``*_chart`` functions) decides every
line: its dates, values, label and the axis it goes on, with units in the axis
labels. Rendering (``render``) only draws a ``Chart``: matplotlib (Agg, no
display) for ``.png`` / ``.svg``, plotly for a self-contained ``.html``. The
plotting libraries are imported only when rendering (``liquidity[plots]``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liquidity.errors import LiquidityError
from liquidity.window import EVERYTHING, Window

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from liquidity.storage.base import Store
    from liquidity.transforms.net_liquidity import NetLiquidityRow

NET_LIQUIDITY = "net-liquidity"
FORMATS = (".png", ".svg", ".html")
TRILLIONS = "USD trillions"
_PER_TRILLION = 1e6  # USD millions in one USD trillion
INSTALL_HINT = "pip install 'liquidity[plots]'"


class PlotError(LiquidityError):
    """A chart cannot be made: unknown format, no data, missing plotting extra."""


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    dates: tuple[date, ...]
    values: tuple[float, ...]
    emphasis: bool = False  # the headline line (Net Liquidity): drawn thicker


@dataclass(frozen=True, slots=True)
class Panel:
    """One axis: lines sharing a unit, named in ``ylabel``."""

    ylabel: str
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """Panels stacked on a shared time axis; ``overlay`` on the first panel's right axis."""

    title: str
    panels: tuple[Panel, ...]
    overlay: Line | None = None
    overlay_ylabel: str = ""


# --- data preparation -------------------------------------------------------------------


def output_format(path: Path) -> str:
    """``png``, ``svg`` or ``html`` from the file's suffix; anything else is refused."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(FORMATS)
        raise PlotError(f"cannot plot to {path.name!r}: unknown suffix; use one of {known}")
    return suffix[1:]


def prepare(
    store: Store,
    what: Sequence[str],
    *,
    variant: str = "weekly",
    window: Window = EVERYTHING,
    overlay: str | None = None,
    realtime: bool = False,
) -> Chart:
    """Read what ``what`` names from the store and decide every line of the chart; with
    ``realtime``, each series also as it was known each day, beside its latest values."""
    from liquidity import query
    from liquidity.catalog.active import active_catalog
    from liquidity.transforms.net_liquidity import NETLIQ_IDS

    catalog = active_catalog()
    names = [w for w in what if w.lower() == NET_LIQUIDITY]
    if names and len(what) > 1:
        raise PlotError(f"{NET_LIQUIDITY} is plotted alone; add a market series with --overlay")

    def nonempty(name: str, rows: list[Any]) -> list[Any]:
        if not rows:  # say why: nothing collected, nothing public yet, or an empty window
            raise PlotError(query.why_empty(store, name, variant, window))
        return rows

    extra = None
    if overlay is not None:
        oid = catalog.find(overlay)
        extra = normalised(oid, nonempty(oid, query.values(store, catalog, oid, window)))
    if names:
        rows = nonempty(NET_LIQUIDITY, query.net_liquidity(store, variant, window))
        known = query.realtime(store, catalog, NETLIQ_IDS[variant], window) if realtime else None
        return net_liquidity_chart(rows, variant, as_of=window.as_of, overlay=extra, realtime=known)
    ids = [catalog.find(w) for w in what]
    data = {i: nonempty(i, query.values(store, catalog, i, window)) for i in ids}
    if realtime:
        data |= {f"{i} (real-time)": query.realtime(store, catalog, i, window) for i in ids}
    units = {name: catalog.unit(name.split(" ", 1)[0]).label for name in data}
    return series_chart(data, units, as_of=window.as_of, overlay=extra)


def net_liquidity_chart(
    rows: Sequence[NetLiquidityRow],
    variant: str,
    *,
    as_of: datetime | None = None,
    overlay: Line | None = None,
    realtime: Sequence[tuple[date, float]] | None = None,
) -> Chart:
    """Net Liquidity on top (and as known each day, if given), its components below, all
    in USD trillions."""
    dates = tuple(r.date for r in rows)
    top: tuple[Line, ...] = (
        Line(
            "Net Liquidity",
            dates,
            tuple(r.net_liquidity / _PER_TRILLION for r in rows),
            emphasis=True,
        ),
    )
    if realtime:
        top += (
            Line(
                "Net Liquidity (real-time)",
                tuple(d for d, _ in realtime),
                tuple(v / _PER_TRILLION for _, v in realtime),
            ),
        )
    parts = tuple(
        Line(sid, dates, tuple(r.components[sid] / _PER_TRILLION for r in rows))
        for sid in rows[0].components
    )
    signs = " − ".join(rows[0].components)
    return Chart(
        title=_title(f"Net Liquidity ({variant}: {signs})", as_of),
        panels=(
            Panel(f"Net Liquidity ({TRILLIONS})", top),
            Panel(f"Components ({TRILLIONS})", parts),
        ),
        overlay=overlay,
        overlay_ylabel=_overlay_ylabel(overlay),
    )


def series_chart(
    data: dict[str, list[tuple[date, float]]],
    units: dict[str, str],
    *,
    as_of: datetime | None = None,
    overlay: Line | None = None,
) -> Chart:
    """Each series in its own unit, one panel per unit (in order of first appearance)."""
    by_unit: dict[str, list[Line]] = {}
    for sid, points in data.items():
        line = Line(sid, tuple(d for d, _ in points), tuple(v for _, v in points))
        by_unit.setdefault(units[sid], []).append(line)
    panels = tuple(Panel(unit, tuple(lines)) for unit, lines in by_unit.items())
    return Chart(
        title=_title(", ".join(k for k in data if not k.endswith("(real-time)")), as_of),
        panels=panels,
        overlay=overlay,
        overlay_ylabel=_overlay_ylabel(overlay),
    )


def normalised(series_id: str, points: Sequence[tuple[date, float]]) -> Line:
    """A market series as a z-score over the plotted window: (x − mean) / standard deviation."""
    values = [v for _, v in points]
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    scaled = tuple((v - mean) / sd if sd > 0 else 0.0 for v in values)
    return Line(f"{series_id} (z-score over the window)", tuple(d for d, _ in points), scaled)


def _overlay_ylabel(overlay: Line | None) -> str:
    return "" if overlay is None else f"{overlay.label.split(' ', 1)[0]} z-score"


def _title(what: str, as_of: datetime | None) -> str:
    return what if as_of is None else f"{what}, as of {as_of.isoformat(timespec='seconds')}"


# --- rendering --------------------------------------------------------------------------


def render(chart: Chart, path: Path) -> Path:
    """Draw ``chart`` into ``path``; the format comes from its suffix."""
    fmt = output_format(path)
    if fmt == "html":
        _require("plotly")
        plotly_figure(chart).write_html(str(path), include_plotlyjs=True, full_html=True)
    else:
        _require("matplotlib")
        figure(chart).savefig(path, format=fmt, dpi=DPI)
    return path


def _require(module: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise PlotError(f"plotting needs {module}: {INSTALL_HINT}") from None


# One palette for both renderers: Net Liquidity, then components / series, overlay in grey.
COLORS = ("#1f3b73", "#2a9d8f", "#e76f51", "#e9c46a", "#8d5a97", "#6c757d", "#264653")
OVERLAY_COLOR = "#9a9a9a"
SPINE_COLOR = "#b0b0b0"
FIGSIZE = (11.0, 7.0)  # inches
DPI = 150  # a PNG is FIGSIZE * DPI pixels: 1650 x 1050


def figure(chart: Chart) -> Figure:
    """The matplotlib Figure of a chart (Agg canvas, no display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE, layout="constrained")
    FigureCanvasAgg(fig)
    heights = [3, 2] if len(chart.panels) == 2 else [1] * len(chart.panels)
    axes = fig.subplots(len(chart.panels), 1, sharex=True, squeeze=False, height_ratios=heights)
    colors = iter(COLORS)
    for ax, panel in zip(axes[:, 0], chart.panels, strict=True):
        for line in panel.lines:
            ax.plot(
                line.dates,
                line.values,
                label=line.label,
                color=next(colors, None),
                linewidth=2.0 if line.emphasis else 1.3,
            )
        ax.set_ylabel(panel.ylabel)
        _style(ax)
    twin = _draw_overlay(axes[0, 0], chart) if chart.overlay is not None else None
    for i, ax in enumerate(axes[:, 0]):
        _legend(ax, [*ax.get_lines(), *(twin.get_lines() if twin and i == 0 else [])])
    _date_axis(axes[-1, 0])
    fig.suptitle(chart.title, fontsize=13, fontweight="bold", x=0.01, ha="left")
    return fig


def _style(ax: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(SPINE_COLOR)
    ax.grid(True, color="#e8e8e8", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(length=0, colors="#333333")
    ax.yaxis.set_major_formatter(FuncFormatter(_tick))  # 8,000,000 rather than 8 and "1e6"
    ax.margins(x=0.01)


def _tick(value: float, _pos: object = None) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def _legend(ax: Any, handles: list[Any]) -> None:
    """Above the axis, in one row: never over the data."""
    ax.legend(
        handles,
        [h.get_label() for h in handles],
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=len(handles),
        frameon=False,
        borderaxespad=0.2,
        handlelength=1.6,
    )


def _draw_overlay(ax: Any, chart: Chart) -> Any:
    """The overlay on a right axis of ``ax``, beneath the panel's own lines."""
    assert chart.overlay is not None
    twin = ax.twinx()
    line = chart.overlay
    twin.plot(line.dates, line.values, label=line.label, color=OVERLAY_COLOR, linewidth=0.9)
    twin.set_ylabel(chart.overlay_ylabel, color="#666666")
    for side in ("top", "left", "bottom"):
        twin.spines[side].set_visible(False)
    twin.spines["right"].set_color(SPINE_COLOR)
    twin.tick_params(length=0, colors="#666666")
    ax.set_zorder(twin.get_zorder() + 1)  # the headline line above the overlay
    ax.patch.set_visible(False)
    return twin


def _date_axis(ax: Any) -> None:
    from matplotlib import dates as mdates

    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def plotly_figure(chart: Chart) -> Any:
    """The same chart as a plotly Figure (panels as subplots sharing x)."""
    from plotly.subplots import make_subplots

    rows = len(chart.panels)
    specs = [[{"secondary_y": chart.overlay is not None and i == 0}] for i in range(rows)]
    heights = [0.6, 0.4] if rows == 2 else None
    fig = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        specs=specs,
        row_heights=heights,
    )
    colors = iter(COLORS)
    for i, panel in enumerate(chart.panels, start=1):
        for line in panel.lines:
            fig.add_trace(_trace(line, next(colors, None)), row=i, col=1)
        fig.update_yaxes(title_text=panel.ylabel, row=i, col=1)
    if chart.overlay is not None:
        fig.add_trace(_trace(chart.overlay, OVERLAY_COLOR), row=1, col=1, secondary_y=True)
        fig.update_yaxes(title_text=chart.overlay_ylabel, row=1, col=1, secondary_y=True)
    fig.update_layout(
        title={"text": chart.title, "x": 0.01},
        template="plotly_white",
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.08},
        height=700,
    )
    return fig


def _trace(line: Line, color: str | None) -> Any:
    from plotly import graph_objects as go

    return go.Scatter(
        x=[d.isoformat() for d in line.dates],
        y=list(line.values),
        name=line.label,
        mode="lines",
        line={"color": color, "width": 2.2 if line.emphasis else 1.3},
    )


__all__ = [
    "FORMATS",
    "NET_LIQUIDITY",
    "Chart",
    "Line",
    "Panel",
    "PlotError",
    "figure",
    "net_liquidity_chart",
    "normalised",
    "output_format",
    "plotly_figure",
    "prepare",
    "render",
    "series_chart",
]
