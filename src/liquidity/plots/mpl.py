"""A chart drawn with matplotlib (Agg, no display) for ``.png`` and ``.svg``."""

from __future__ import annotations

import math
import textwrap
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from liquidity.plots.gaps import broken, isolated
from liquidity.plots.model import Chart, Line
from liquidity.plots.scale import shown
from liquidity.plots.style import COLORS, FALLBACK_COLOR, OVERLAY_COLOR, SHADE_ALPHA, shade_color

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SPINE_COLOR = "#b0b0b0"
WIDTH = 11.0  # inches
HEIGHT = 7.0  # two panels; each further one adds PANEL_HEIGHT
PANEL_HEIGHT = 1.5
TEXT_LINE = 0.16  # inches a line of notes or footnote takes
WRAP = 190  # characters of 7 pt text across the figure
DPI = 150  # a PNG is size * DPI pixels: 1650 wide


def size(chart: Chart) -> tuple[float, float]:
    """Inches: taller with more panels and with each line of text below the chart."""
    extra = max(0, len(chart.panels) - 2) * PANEL_HEIGHT
    return WIDTH, HEIGHT + extra + TEXT_LINE * len(footer(chart))


def footer(chart: Chart) -> list[str]:
    """The notes, then the provenance, wrapped to the figure's width."""
    return [row for text in (*chart.notes, *chart.footnote) for row in textwrap.wrap(text, WRAP)]


def figure(chart: Chart) -> Figure:
    """The matplotlib Figure of a chart (Agg canvas, no display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size(chart), layout="constrained")
    FigureCanvasAgg(fig)
    n = len(chart.panels)
    heights = [3, 2] if n == 2 else [3, *[1.5] * (n - 1)] if n > 2 else [1]
    axes = fig.subplots(n, 1, sharex=True, squeeze=False, height_ratios=heights)
    colors = iter(COLORS)
    for ax, panel in zip(axes[:, 0], chart.panels, strict=True):
        for line in panel.lines:
            _line(ax, line, next(colors, FALLBACK_COLOR))
        ax.set_ylabel(panel.ylabel)
        _style(ax)
        _shade(ax, chart)
        _spread_labels(ax)
    twin = _draw_overlay(axes[0, 0], chart) if chart.overlay is not None else None
    for i, ax in enumerate(axes[:, 0]):
        handles = [h for h in ax.get_lines() if not h.get_label().startswith("_")]
        if i == 0 and twin is not None:
            handles += [h for h in twin.get_lines() if not h.get_label().startswith("_")]
            handles += [p for p in ax.patches if not p.get_label().startswith("_")]
        _legend(ax, handles)
    _date_axis(axes[-1, 0])
    first, last = chart.span
    if last - first < timedelta(days=3):  # a day or two: give the axis a week
        axes[-1, 0].set_xlim(first - timedelta(days=3), last + timedelta(days=4))
    fig.suptitle(chart.title, fontsize=13, fontweight="bold", x=0.01, ha="left")
    text = "\n".join(footer(chart))
    if text:
        fig.supxlabel(text, x=0.01, ha="left", fontsize=7, color="#555555", linespacing=1.3)
    return fig


def _plot_broken(ax: Any, line: Line, **style: Any) -> None:
    """``line`` with a NaN at each of its gaps: matplotlib does not join across a NaN."""
    xs, ys = broken(line)
    ax.plot(xs, [math.nan if y is None else y for y in ys], label=line.label, **style)


def _dots(ax: Any, line: Line, color: str) -> None:
    """Points alone between gaps, as dots: a line cannot show them."""
    alone = isolated(line)
    if alone:
        ax.plot(
            [line.dates[i] for i in alone],
            [line.values[i] for i in alone],
            linestyle="none",
            marker="o",
            markersize=2.5,
            color=color,
            label="_alone",
        )


def _line(ax: Any, line: Line, color: str) -> None:
    """The line, broken at its gaps; points alone between gaps as dots; the latest value
    marked and written."""
    _plot_broken(
        ax,
        line,
        color=color,
        linewidth=2.0 if line.emphasis else 1.0 if line.dashed else 1.3,
        linestyle=(0, (3, 1.5)) if line.dashed else "-",
    )
    _dots(ax, line, color)
    if line.mark_latest and line.values:
        value = line.values[-1]
        ax.plot([line.last], [value], marker="o", markersize=4, color=color, label="_latest")
        ax.annotate(
            f"{shown(value)}\n{line.latest_on or line.last}",
            (line.last, value),
            xytext=(5, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=7,
            color=color,
        )


LABEL_GAP = 17.0  # points between two latest-value labels (two lines of 7 pt text)


def _spread_labels(ax: Any) -> None:
    """Latest-value labels of lines ending close together, moved apart vertically."""
    labels = sorted(ax.texts, key=lambda t: t.xy[1])
    if len(labels) < 2:
        return
    ax.autoscale_view()
    to_points = 72.0 / ax.figure.dpi
    heights = [
        ax.transData.transform((ax.convert_xunits(t.xy[0]), t.xy[1]))[1] * to_points for t in labels
    ]
    placed: list[float] = []
    for height in heights:
        placed.append(max(height, placed[-1] + LABEL_GAP) if placed else height)
    shift = (sum(heights) - sum(placed)) / len(placed)  # keep them centred on the points
    for label, height, at in zip(labels, heights, placed, strict=True):
        label.xyann = (label.xyann[0], at + shift - height)


def _shade(ax: Any, chart: Chart) -> None:
    """Each period as a band; the first of each kind named for the legend."""
    named: set[str] = set()
    for period in chart.shading:
        ax.axvspan(
            period.start,
            period.end,
            color=shade_color(period.label),
            alpha=SHADE_ALPHA,
            linewidth=0,
            label="_shade" if period.label in named else period.label,
            zorder=0,
        )
        named.add(period.label)


def _style(ax: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(SPINE_COLOR)
    ax.grid(True, color="#e8e8e8", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(length=0, colors="#333333")
    ax.yaxis.set_major_formatter(FuncFormatter(_tick))  # 8,000 rather than 8 and "1e3"
    ax.margins(x=0.09)  # room right of the last point for its value


def _tick(value: float, _pos: object = None) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def _legend(ax: Any, handles: list[Any]) -> None:
    """Above the axis, in one row: never over the data."""
    ax.legend(
        handles,
        [h.get_label() for h in handles],
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=max(1, len(handles)),
        frameon=False,
        borderaxespad=0.2,
        handlelength=1.6,
        fontsize=8,
    )


def _draw_overlay(ax: Any, chart: Chart) -> Any:
    """The overlay on a right axis of ``ax``, beneath the panel's own lines, with a tick
    at each whole standard deviation."""
    from matplotlib.ticker import MultipleLocator

    assert chart.overlay is not None
    twin = ax.twinx()
    line = chart.overlay
    _plot_broken(twin, line, color=OVERLAY_COLOR, linewidth=0.9)
    _dots(twin, line, OVERLAY_COLOR)
    twin.yaxis.set_major_locator(MultipleLocator(1.0))
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
