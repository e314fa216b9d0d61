"""A chart as an interactive plotly page (``.html``): plotly.js inlined by default, so
the file works offline (~5 MB), or loaded from plotly's CDN (a few hundred KB)."""

from __future__ import annotations

import bisect
import html
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from liquidity.plots.gaps import broken, isolated
from liquidity.plots.model import Chart, Line
from liquidity.plots.scale import HOVER_FORMAT, shown
from liquidity.plots.style import COLORS, FALLBACK_COLOR, OVERLAY_COLOR, SHADE_ALPHA, shade_color

PLOTLY_JS = ("inline", "cdn")
DATE = "%Y-%m-%d"
# The page fills the window, whatever its size: no fixed height, no body margin, so no
# scrollbar; below MIN_HEIGHT pixels the panels would be unreadable, so the page scrolls.
PAGE_STYLE = "<style>html, body {height: 100%;}</style>"
OWN_STYLE = "<style>html, body {height: 100%; margin: 0;}</style>"
MIN_HEIGHT = 480
FOOT_LINE = 15  # pixels per line of footnote


def write(chart: Chart, path: Path, plotly_js: str = "inline") -> None:
    page = plotly_figure(chart).to_html(
        include_plotlyjs=True if plotly_js == "inline" else "cdn",
        full_html=True,
        default_height="100vh",
        config={"responsive": True, "displaylogo": False},
    )
    if PAGE_STYLE not in page:  # plotly changed its page: refuse rather than guess
        raise RuntimeError("plotly's HTML page no longer has the expected <style>")
    tallest = MIN_HEIGHT + FOOT_LINE * (len(chart.notes) + len(chart.footnote))
    page = page.replace(PAGE_STYLE, OWN_STYLE, 1).replace(
        "height:100vh;", f"height:100vh; min-height:{tallest}px;", 1
    )
    path.write_text(page, encoding="utf-8")


def plotly_figure(chart: Chart) -> Any:
    """The chart as a plotly Figure: panels as subplots sharing x, a legend above each."""
    from plotly.subplots import make_subplots

    rows = len(chart.panels)
    specs = [[{"secondary_y": chart.overlay is not None and i == 0}] for i in range(rows)]
    heights = [0.6, 0.4] if rows == 2 else [3.0, *[1.5] * (rows - 1)] if rows > 2 else None
    fig = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.3 / (rows + 2),
        specs=specs,
        row_heights=heights,
    )
    colors = iter(COLORS)
    host = chart.panels[0].lines[0]
    beside = _overlay_beside(host, chart.overlay) if chart.overlay is not None else None
    for i, panel in enumerate(chart.panels, start=1):
        legend = "legend" if i == 1 else f"legend{i}"
        marked = []
        for line in panel.lines:
            color = next(colors, FALLBACK_COLOR)
            own_date = line.dates != host.dates
            extra = beside if line is host else None
            fig.add_trace(_trace(line, color, legend, own_date, extra), row=i, col=1)
            marked.append((line, color))
        _latest(fig, marked, i)
        fig.update_yaxes(title_text=panel.ylabel, row=i, col=1)
    if chart.overlay is not None:
        trace = _overlay_trace(chart.overlay)
        fig.add_trace(trace, row=1, col=1, secondary_y=True)
        fig.update_yaxes(title_text=chart.overlay_ylabel, dtick=1, row=1, col=1, secondary_y=True)
    for period in chart.shading:
        fig.add_vrect(
            x0=period.start.isoformat(),
            x1=period.end.isoformat(),
            fillcolor=shade_color(period.label),
            opacity=SHADE_ALPHA,
            line_width=0,
            layer="below",
            row="all",
            col=1,
        )
    first, last = chart.span
    room = max((last - first) * 0.09, timedelta(days=7))  # right of the last point: its value
    first -= max(timedelta(0), timedelta(days=3) - (last - first))  # one day still has width
    fig.update_xaxes(hoverformat=DATE, range=[first.isoformat(), (last + room).isoformat()])
    foot = [*chart.notes, *chart.footnote]
    fig.update_layout(
        title={"text": html.escape(chart.title), "x": 0.01, "y": 0.99, "yanchor": "top"},
        template="plotly_white",
        hovermode="x unified",
        showlegend=True,  # plotly hides a legend of one trace: each panel names its lines
        margin={"t": 70, "b": 40 + FOOT_LINE * len(foot), "l": 70, "r": 70},
        annotations=[*fig.layout.annotations, _footnote(foot)],
        **_legends(fig, rows),
    )
    kinds = dict.fromkeys(p.label for p in chart.shading)
    if kinds:
        fig.add_annotation(
            text="shaded: "
            + "  ".join(
                f'<span style="color:{shade_color(k)}">■</span> {html.escape(k)}' for k in kinds
            ),
            xref="paper",
            yref="paper",
            x=1.0,
            y=1.0,
            xanchor="right",
            yanchor="bottom",
            showarrow=False,
            font={"size": 11, "color": "#666666"},
        )
    return fig


def _trace(
    line: Line, color: str, legend: str, own_date: bool, beside: tuple[str, list[str]] | None
) -> Any:
    """The line broken at its gaps (``None``), its points alone as dots, its hover with
    unit and four significant digits, Net Liquidity's components of that date and, on the
    first line, the overlay's value of that date (``beside``: name, text per point)."""
    from plotly import graph_objects as go

    xs, ys = broken(line)
    when = f" ({'%{x|' + DATE + '}'})" if own_date else ""
    hover = f"%{{y:{HOVER_FORMAT}}} {html.escape(line.unit)}{when}"
    columns: list[list[Any]] = []
    by_date = {d: i for i, d in enumerate(line.dates)}
    for name, values in line.parts:
        hover += f"<br>   {html.escape(name)} %{{customdata[{len(columns)}]:{HOVER_FORMAT}}}"
        columns.append(
            [values[by_date[x]] if y is not None else None for x, y in zip(xs, ys, strict=True)]
        )
    if beside is not None:
        name, texts = beside
        hover += f"<br>{html.escape(name)} %{{customdata[{len(columns)}]}}"
        columns.append(
            [texts[by_date[x]] if y is not None else None for x, y in zip(xs, ys, strict=True)]
        )
    custom = [list(row) for row in zip(*columns, strict=True)] if columns else None
    sizes = _sizes(line, xs)
    return go.Scatter(
        x=[d.isoformat() for d in xs],
        y=ys,
        customdata=custom,
        name=line.label,
        legend=legend,
        mode="lines+markers" if any(sizes) else "lines",
        marker={"size": sizes, "color": color},
        line={
            "color": color,
            "width": 2.2 if line.emphasis else 1.3,
            "dash": "dot" if line.dashed else "solid",
        },
        hovertemplate=hover + f"<extra>{html.escape(line.label)}</extra>",
        connectgaps=False,
    )


def _sizes(line: Line, xs: list[date]) -> list[int]:
    """Marker sizes: a dot for each point alone between gaps, a larger one for the latest
    value (when marked), none elsewhere."""
    at = {d: k for k, d in enumerate(xs)}
    sizes = [0] * len(xs)
    for i in isolated(line):
        sizes[at[line.dates[i]]] = 4
    if line.mark_latest and xs:
        sizes[-1] = 7
    return sizes


def _overlay_beside(host: Line, overlay: Line) -> tuple[str, list[str]]:
    """For each date of ``host``, the overlay's value of that date (or of the last one
    before it within its usual gap) with its own date and z-score; past that, "none":
    plotly's own hover would show the overlay's nearest point, however old."""
    name = overlay.label.split(" ", 1)[0]
    limit = overlay.max_gap or timedelta(days=7)
    texts = []
    for day in host.dates:
        i = bisect.bisect_right(overlay.dates, day) - 1
        if i < 0 or day - overlay.dates[i] > limit:
            texts.append(f"none within {limit.days} days")
            continue
        on = overlay.dates[i]
        texts.append(f"{shown(overlay.raw[i])} (z {overlay.values[i]:.2f}, {on})")
    return name, texts


def _overlay_trace(line: Line) -> Any:
    """The z-score; its hover is on the first line (``_overlay_beside``), never its own."""
    from plotly import graph_objects as go

    xs, ys = broken(line)
    sizes = _sizes(line, xs)
    return go.Scatter(
        x=[d.isoformat() for d in xs],
        y=ys,
        name=line.label,
        legend="legend",
        mode="lines+markers" if any(sizes) else "lines",
        marker={"size": sizes, "color": OVERLAY_COLOR},
        line={"color": OVERLAY_COLOR, "width": 1.0},
        hoverinfo="skip",
        connectgaps=False,
    )


LABEL_GAP = 26  # pixels between two latest-value labels (two lines of text)
# Plot height in pixels assumed when spreading labels (the page resizes): low, so labels
# end up rather too far apart than on top of each other.
PAGE_GUESS = 600


def _latest(fig: Any, lines: list[tuple[Line, str]], row: int) -> None:
    """Each line's latest value written beside its last point; labels of values close
    together moved apart, highest on top."""
    marked = sorted(
        ((line, color) for line, color in lines if line.mark_latest and line.values),
        key=lambda lc: -lc[0].values[-1],
    )
    values = [v for line, _ in lines for v in line.values]
    low, span = min(values, default=0.0), (max(values, default=0.0) - min(values, default=0.0))
    bottom, top = fig.get_subplot(row, 1).yaxis.domain
    pixels = PAGE_GUESS * (top - bottom) / (span or 1.0)
    placed: float | None = None
    for line, color in marked:
        value = line.values[-1]
        at = (value - low) * pixels
        placed = at if placed is None else min(at, placed - LABEL_GAP)
        fig.add_annotation(
            x=line.last.isoformat(),
            y=value,
            text=f"{shown(value)}<br>{line.latest_on or line.last}",
            showarrow=False,
            xanchor="left",
            xshift=7,
            yshift=placed - at,
            font={"size": 10, "color": color},
            row=row,
            col=1,
        )


def _legends(fig: Any, rows: int) -> dict[str, Any]:
    """One horizontal legend above each panel, at the top of its y domain."""
    out: dict[str, Any] = {}
    for i in range(1, rows + 1):
        top = fig.get_subplot(i, 1).yaxis.domain[1]
        key = "legend" if i == 1 else f"legend{i}"
        out[key] = {
            "orientation": "h",
            "x": 0.0,
            "y": top,
            "xanchor": "left",
            "yanchor": "bottom",
            "font": {"size": 11},
            "bgcolor": "rgba(255,255,255,0)",
        }
    return out


def _footnote(lines: list[str]) -> dict[str, Any]:
    return {
        "text": "<br>".join(html.escape(t) for t in lines),
        "xref": "paper",
        "yref": "paper",
        "x": 0.0,
        "y": 0.0,
        "xanchor": "left",
        "yanchor": "top",
        "yshift": -28,
        "align": "left",
        "showarrow": False,
        "font": {"size": 10, "color": "#555555"},
    }
