"""What a chart is, before any drawing: lines, panels, notes and shaded periods."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class Line:
    """One drawn series. ``max_gap``: two points further apart than this are not joined
    (the series has no data between them). ``parts``: per date, the values that make up
    this one (Net Liquidity's components), shown when hovering it."""

    label: str
    dates: tuple[date, ...]
    values: tuple[float, ...]
    unit: str = ""
    emphasis: bool = False  # the headline line (Net Liquidity): drawn thicker
    max_gap: timedelta | None = None
    parts: tuple[tuple[str, tuple[float, ...]], ...] = ()
    raw: tuple[float, ...] = ()  # an overlay's own values beside its z-score (hover)
    mark_latest: bool = True
    dashed: bool = False  # a second view of a line drawn solid (the real-time one)
    latest_on: date | None = None  # the latest value's own date, when carried to ``last``

    @property
    def first(self) -> date:
        return self.dates[0]

    @property
    def last(self) -> date:
        return self.dates[-1]


@dataclass(frozen=True, slots=True)
class Panel:
    """One axis: lines sharing a unit, named in ``ylabel``."""

    ylabel: str
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Period:
    """A shaded span of dates (a recession, quantitative tightening)."""

    start: date
    end: date
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    """Panels stacked on a shared time axis; ``overlay`` on the first panel's right axis.

    ``notes`` say what the picture is (vintages or not, coverage shorter than the chart,
    the z-score's dates) under the title; ``footnote`` is its provenance (sources, last
    observation per series, the window, when it was made)."""

    title: str
    panels: tuple[Panel, ...]
    overlay: Line | None = None
    overlay_ylabel: str = ""
    notes: tuple[str, ...] = ()
    footnote: tuple[str, ...] = ()
    shading: tuple[Period, ...] = field(default=())

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(line for panel in self.panels for line in panel.lines)

    @property
    def span(self) -> tuple[date, date]:
        """The first and last date of the panels' lines (the overlay is cut to them)."""
        drawn = [line for line in self.lines if line.dates]
        return min(line.first for line in drawn), max(line.last for line in drawn)
