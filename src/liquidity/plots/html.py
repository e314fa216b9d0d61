"""A chart as an interactive plotly page (``.html``): plotly.js inlined by default, so
the file works offline (~5 MB), or loaded from plotly's CDN (a few hundred KB)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from liquidity.plots.gaps import broken, isolated
from liquidity.plots.model import Chart, Line
from liquidity.plots.scale import decimals
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
    page = page.replace(PAGE_STYLE, OWN_STYLE, 1).replace(
        "height:100vh;", f"height:100vh; min-height:{MIN_HEIGHT}px;", 1
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
    headline = chart.panels[0].lines[0].dates
    for i, panel in enumerate(chart.panels, start=1):
        legend = "legend" if i == 1 else f"legend{i}"
        marked = []
        for line in panel.lines:
            color = next(colors, FALLBACK_COLOR)
            own_date = line.dates != headline
            fig.add_trace(_trace(line, color, legend, own_date), row=i, col=1)
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
    first = min(line.first for line in chart.lines)
    last = max(line.last for line in chart.lines)
    room = (last - first) * 0.09  # right of the last point, for its value
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


def _trace(line: Line, color: str, legend: str, own_date: bool) -> Any:
    """The line broken at its gaps (``None``), its points alone as dots, its hover with
    unit, 0-3 decimals and, for Net Liquidity, every component of that date."""
    from plotly import graph_objects as go

    xs, ys = broken(line)
    places = decimals(line.values)
    when = f" ({'%{x|' + DATE + '}'})" if own_date else ""
    hover = f"%{{y:,.{places}f}} {html.escape(line.unit)}{when}"
    custom: list[list[float] | None] | None = None
    if line.parts:
        by_date = {d: [values[i] for _, values in line.parts] for i, d in enumerate(line.dates)}
        custom = [by_date.get(x) if y is not None else None for x, y in zip(xs, ys, strict=True)]
        hover += "".join(
            f"<br>   {html.escape(name)} %{{customdata[{k}]:,.{places}f}}"
            for k, (name, _) in enumerate(line.parts)
        )
    alone = set(isolated(line))
    sizes = [0] * len(xs)
    at = {d: k for k, d in enumerate(xs)}
    for i in alone:
        sizes[at[line.dates[i]]] = 4
    if line.mark_latest and xs:
        sizes[-1] = 7  # the latest value, written beside it
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


def _overlay_trace(line: Line) -> Any:
    """The z-score, hovering with the series' own value and its own date (the last one
    before the hovered date may be older)."""
    from plotly import graph_objects as go

    xs, ys = broken(line)
    raw = dict(zip(line.dates, line.raw, strict=True))
    places = decimals(line.raw)
    name = line.label.split(" ", 1)[0]
    return go.Scatter(
        x=[d.isoformat() for d in xs],
        y=ys,
        customdata=[raw.get(x) if y is not None else None for x, y in zip(xs, ys, strict=True)],
        name=line.label,
        legend="legend",
        mode="lines",
        line={"color": OVERLAY_COLOR, "width": 1.0},
        hovertemplate=(
            f"{name} %{{customdata:,.{places}f}} (z %{{y:.2f}}, %{{x|{DATE}}})"
            f"<extra>{html.escape(line.label)}</extra>"
        ),
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
            text=f"{value:,.{decimals(line.values)}f}<br>{line.last}",
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
