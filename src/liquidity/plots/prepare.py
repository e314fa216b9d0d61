"""Data preparation: every line, panel, note and footnote of a chart, decided from the
store before anything is drawn (the renderers only draw a ``Chart``)."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from liquidity.errors import ConfigError, LiquidityError
from liquidity.plots import shading
from liquidity.plots.gaps import allowed_gap, gaps
from liquidity.plots.model import Chart, Line, Panel, Period
from liquidity.plots.scale import MONEY, choose_money, money_label
from liquidity.window import EVERYTHING, Window

if TYPE_CHECKING:
    from liquidity.catalog import Catalog
    from liquidity.storage.base import Store
    from liquidity.transforms.net_liquidity import NetLiquidityRow

NET_LIQUIDITY = "net-liquidity"
LAYOUTS = ("auto", "shared", "panels", "changes")
SOURCE_NAMES = {"fred": "FRED", "yahoo": "Yahoo", "nyfed": "NY Fed", "treasury_dts": "Treasury"}
_FREQUENCY_ORDER = ("daily", "weekly", "monthly")
# Sharing an axis squashes a line when its own range fills less than this share of the
# axis (RRP and TGA under WALCL), or when magnitudes differ tenfold.
READABLE_SHARE = 1 / 3
MAGNITUDE_RATIO = 10.0
CHANGE_DAYS = 7
T = TypeVar("T")


class PlotError(LiquidityError):
    """A chart cannot be made: unknown format, no data, missing plotting extra."""


def prepare(
    store: Store,
    what: Sequence[str],
    *,
    variant: str = "weekly",
    window: Window = EVERYTHING,
    overlay: str | None = None,
    realtime: bool = False,
    layout: str = "auto",
    money: str = "auto",
    shade: Sequence[str] = (),
) -> Chart:
    """Read what ``what`` names from the store and decide every line of the chart; with
    ``realtime``, each series also as it was known each day, beside its latest values."""
    from liquidity import query
    from liquidity.catalog.active import active_catalog
    from liquidity.transforms.net_liquidity import NETLIQ_IDS

    if layout not in LAYOUTS:
        raise ConfigError(f"unknown layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    if not what:
        raise PlotError("nothing to plot: name net-liquidity or one or more series ids")
    if realtime and window.as_of is not None:  # as `show` says: each day is its own as-of
        raise PlotError("--realtime shows each day as known that day: drop --as-of")
    catalog = active_catalog()
    if any(w.lower() == NET_LIQUIDITY for w in what) and len(what) > 1:
        raise PlotError(f"{NET_LIQUIDITY} is plotted alone; add a market series with --overlay")
    shaded = [_periods(store, catalog, name, window) for name in shade]

    def nonempty(name: str, rows: list[T]) -> list[T]:
        if not rows:  # say why: nothing collected, nothing public yet, or an empty window
            raise PlotError(query.why_empty(store, name, variant, window))
        return rows

    if what and what[0].lower() == NET_LIQUIDITY:
        rows = nonempty(NET_LIQUIDITY, query.net_liquidity(store, variant, window))
        entry = NETLIQ_IDS[variant]
        known = query.realtime(store, catalog, entry, window) if realtime else None
        chart = net_liquidity_chart(
            rows,
            variant,
            as_of=window.as_of,
            realtime=known,
            layout=layout,
            money=money,
            frequency=frequency(catalog, entry),
        )
        drawn = [entry]
        carried = _carried(catalog, entry)
    else:
        ids = [catalog.find(w) for w in what]
        data = {i: nonempty(i, query.values(store, catalog, i, window)) for i in ids}
        known_each = {i: query.realtime(store, catalog, i, window) for i in ids if realtime}
        chart = series_chart(
            data,
            {i: _unit(catalog, i) for i in ids},
            as_of=window.as_of,
            realtime=known_each,
            layout=layout,
            money=money,
            frequencies={i: frequency(catalog, i) for i in ids},
        )
        drawn = ids
        carried = [op for i in ids for op in _carried(catalog, i)]
    notes = list(chart.notes)
    first, last = chart.span
    bases = _bases(catalog, drawn)
    dates = _stored_dates(store, bases, window)
    used = _last_used(dates, last)
    if carried:
        kinds = {frequency(catalog, c) for c in carried}
        every = kinds.pop() if len(kinds) == 1 else "less frequent"
        notes.append(
            f"{', '.join(dict.fromkeys(carried))} {'are' if len(carried) > 1 else 'is'} "
            f"{every}: each date carries the latest value on or before it (the labels give "
            "its own date)."
        )
    chart = replace(chart, panels=tuple(_own_dates(p, used) for p in chart.panels))
    stops = _stops_early(dates, window, last)
    if overlay is not None:
        line, said, best = _overlay(store, catalog, overlay, window, chart)
        chart = replace(chart, overlay=line, overlay_ylabel=_overlay_ylabel(line))
        notes += said
        used |= _last_used(_stored_dates(store, [best], window), last)
        bases.append(best)
    notes += coverage_notes(chart, window) + stops
    vintaged = bases if window.as_of else _bases(catalog, drawn)  # real-time: not the overlay
    notes += _vintage_notes(store, vintaged, window, realtime)
    chosen: list[Period] = []
    for name, periods in zip(shade, shaded, strict=True):
        inside = shading.within(periods, first, last)
        if not inside:
            notes.append(f"--shade {name}: no period within {first} to {last}.")
        chosen += inside
    return replace(
        chart,
        notes=tuple(notes),
        footnote=footnote(catalog, bases, used, window),
        shading=tuple(chosen),
    )


def net_liquidity_chart(
    rows: Sequence[NetLiquidityRow],
    variant: str,
    *,
    as_of: datetime | None = None,
    realtime: Sequence[tuple[date, float]] | None = None,
    layout: str = "auto",
    money: str = "auto",
    frequency: str = "weekly",
) -> Chart:
    """Net Liquidity on top (and as known each day, if given), its components below, in
    one money unit; the components share an axis, or get one each when sharing would
    squash them (``layout``), or show their weekly changes."""
    unit = choose_money((r.net_liquidity * MONEY["millions"] for r in rows), money)
    per = MONEY[unit] / MONEY["millions"]  # stored values are USD millions
    label = money_label(unit)
    dates = tuple(r.date for r in rows)
    names = list(rows[0].components)
    gap = allowed_gap(frequency, dates)
    parts = tuple(
        Line(sid, dates, tuple(r.components[sid] / per for r in rows), label, max_gap=gap)
        for sid in names
    )
    headline = Line(
        "Net Liquidity",
        dates,
        tuple(r.net_liquidity / per for r in rows),
        label,
        emphasis=True,
        max_gap=gap,
        parts=tuple((p.label, p.values) for p in parts),
    )
    top: tuple[Line, ...] = (headline,)
    if realtime:
        days = tuple(d for d, _ in realtime)
        values = tuple(v / per for _, v in realtime)
        top += (
            Line(
                "Net Liquidity (real-time)",
                days,
                values,
                label,
                max_gap=allowed_gap(frequency, days),
                mark_latest=False,
                dashed=True,
            ),
        )
    chosen = _layout(layout, parts)
    notes: list[str] = []
    below: tuple[Panel, ...]
    if chosen == "changes":
        below = (changes_panel(label, parts),)
    elif chosen == "panels":
        below = tuple(Panel(label, (p,)) for p in parts)  # the legend names each
        if layout == "auto":
            notes.append("Components on their own axes: on one axis some would look flat.")
    else:
        below = (Panel(f"Components ({label})", parts),)
    signs = " − ".join(names)
    return Chart(
        title=_title(f"Net Liquidity ({variant}: {signs})", as_of),
        panels=(Panel(f"Net Liquidity ({label})", top), *below),
        notes=tuple(notes),
    )


def series_chart(
    data: dict[str, list[tuple[date, float]]],
    units: dict[str, tuple[str, float]],
    *,
    as_of: datetime | None = None,
    realtime: dict[str, list[tuple[date, float]]] | None = None,
    layout: str = "auto",
    money: str = "auto",
    frequencies: dict[str, str] | None = None,
) -> Chart:
    """Each series in its unit, money in one unit for the whole chart; one panel per unit
    (in order of first appearance), split into one per series when sharing would squash
    one. ``units``: id -> (unit label, USD per unit, or 0 for what is not money)."""
    realtime = realtime or {}
    frequencies = frequencies or {}
    in_usd = [v * scale for sid, (_, scale) in units.items() if scale for _, v in data[sid]]
    chosen = choose_money(in_usd, money)
    groups: dict[str, list[list[Line]]] = {}
    for sid, points in data.items():
        label, scale = units[sid]
        factor = scale / MONEY[chosen] if scale else 1.0
        if scale:
            label = money_label(chosen)
        dates = tuple(d for d, _ in points)
        own = [Line(sid, dates, tuple(v * factor for _, v in points), label)]
        if realtime.get(sid):
            days = tuple(d for d, _ in realtime[sid])
            values = tuple(v * factor for _, v in realtime[sid])
            own.append(
                Line(f"{sid} (real-time)", days, values, label, mark_latest=False, dashed=True)
            )
        gap = frequencies.get(sid, "daily")
        groups.setdefault(label, []).append(
            [replace(line, max_gap=allowed_gap(gap, line.dates)) for line in own]
        )
    panels: list[Panel] = []
    notes: list[str] = []
    for label, members in groups.items():
        heads = [m[0] for m in members]
        how = _layout(layout, heads)
        if how == "changes":
            panels.append(changes_panel(label, [line for m in members for line in m]))
        elif how == "panels" and len(members) > 1:
            panels += [Panel(label, tuple(m)) for m in members]
            if layout == "auto":
                notes.append(f"{', '.join(h.label for h in heads)} on their own axes ({label}).")
        else:
            panels.append(Panel(label, tuple(line for m in members for line in m)))
    return Chart(
        title=_title(", ".join(data), as_of),
        panels=tuple(panels),
        notes=tuple(notes),
    )


def changes_panel(label: str, lines: Sequence[Line]) -> Panel:
    """The weekly changes of ``lines`` on one axis; refused when none has two values a
    week apart in the window."""
    changed = tuple(c for c in (weekly_change(line) for line in lines) if c.dates)
    if not changed:
        names = ", ".join(line.label for line in lines)
        raise PlotError(
            f"--layout changes: {names} {'have' if len(lines) > 1 else 'has'} no two values "
            f"{CHANGE_DAYS} days apart in this window; widen it (--start)"
        )
    return Panel(f"Weekly change ({label})", changed)


def weekly_change(line: Line) -> Line:
    """Each value less the value of ``CHANGE_DAYS`` earlier (the last one on or before)."""
    dates, values = line.dates, line.values
    out_d: list[date] = []
    out_v: list[float] = []
    for day, value in zip(dates, values, strict=True):
        i = bisect.bisect_right(dates, day - timedelta(days=CHANGE_DAYS)) - 1
        if i >= 0 and day - dates[i] <= (line.max_gap or timedelta.max):
            out_d.append(day)
            out_v.append(value - values[i])
    return replace(line, dates=tuple(out_d), values=tuple(out_v), parts=())


def _layout(layout: str, lines: Sequence[Line]) -> str:
    if layout != "auto":
        return layout
    return "panels" if squashed(lines) else "shared"


def squashed(lines: Sequence[Line]) -> bool:
    """Whether one axis for all ``lines`` would leave one of them hard to read: its range
    under a third of the axis, or magnitudes an order of magnitude apart."""
    if len(lines) < 2:
        return False
    lows = [min(line.values) for line in lines]
    highs = [max(line.values) for line in lines]
    span = max(highs) - min(lows)
    if span <= 0:
        return False
    if any(h - lo < span * READABLE_SHARE for lo, h in zip(lows, highs, strict=True)):
        return True
    sizes = [max(abs(lo), abs(h)) for lo, h in zip(lows, highs, strict=True)]
    return min(sizes) > 0 and max(sizes) / min(sizes) >= MAGNITUDE_RATIO


def normalised(series_id: str, points: Sequence[tuple[date, float]]) -> Line:
    """A market series as a z-score over its points: (x − mean) / standard deviation."""
    values = [v for _, v in points]
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    flat = sd <= 1e-9 * max(1.0, abs(mean))  # rounding noise of a constant is not a spread
    scaled = tuple(0.0 if flat else (v - mean) / sd for v in values)
    dates = tuple(d for d, _ in points)
    return Line(
        f"{series_id} (z-score)",
        dates,
        scaled,
        "z-score",
        raw=tuple(values),
        mark_latest=False,
    )


def coverage_notes(chart: Chart, window: Window) -> list[str]:
    """One note per line that covers less of the chart than the chart spans (an overlay
    that ends early, a series that starts late), with the dates it does cover."""
    first, last = chart.span
    if window.start is not None:
        first = max(first, window.start)
    out = []
    broken_at: dict[tuple[tuple[date, date], ...], list[str]] = {}
    for line in (*chart.lines, *([chart.overlay] if chart.overlay else [])):
        slack = line.max_gap or timedelta(days=7)
        if line.first - first > slack or last - line.last > slack:
            out.append(f"{line.label} covers only {line.first} to {line.last}.")
        holes = tuple(gaps(line))
        if holes:
            broken_at.setdefault(holes, []).append(line.label)
    for holes, labels in broken_at.items():
        widest = max(holes, key=lambda g: g[1] - g[0])
        plural = "s" if len(holes) > 1 else ""
        out.append(
            f"{', '.join(labels)}: no data in {len(holes)} gap{plural} "
            f"(longest {widest[0]} to {widest[1]}); not drawn across."
        )
    return out


def footnote(
    catalog: Catalog, bases: Sequence[str], used: dict[str, date], window: Window
) -> tuple[str, ...]:
    """Provenance: each stored series with its source and the last observation the chart
    uses, the window, and when (and by which version) the chart was made."""
    from liquidity import clock

    data = []
    for sid in bases:
        source = catalog.series[sid].spec.source
        data.append(f"{sid} ({SOURCE_NAMES.get(source, source)}, last {used.get(sid, 'none')})")
    span = (
        f"{window.start or 'the first date'} to {window.end or 'the latest'}"
        if window.start or window.end
        else "every date stored"
    )
    made = clock.now().strftime("%Y-%m-%d %H:%M UTC")
    asof = "" if window.as_of is None else f", as of {window.as_of.isoformat(timespec='seconds')}"
    return (
        "Data: " + ", ".join(data),
        f"Window: {span}{asof}. Made {made} by liquidity {_version()}.",
    )


def _stored_dates(store: Store, sids: Sequence[str], window: Window) -> dict[str, list[date]]:
    """Each stored series' dates as of ``window.as_of``: one read serves both the last date
    a chart uses (``_last_used``) and whether an input runs past its end (``_stops_early``)."""
    return {sid: [o.date for o in store.read(sid, as_of=window.as_of)] for sid in sids}


def _last_used(dates: dict[str, list[date]], last: date) -> dict[str, date]:
    """Per stored series, its last observation on or before the chart's last date: the one
    the chart ends on, or carries to its end."""
    out = {}
    for sid, days in dates.items():
        i = bisect.bisect_right(days, last)
        if i:
            out[sid] = days[i - 1]
    return out


def _stops_early(dates: dict[str, list[date]], window: Window, last: date) -> list[str]:
    """When the chart ends before some of its inputs do, name the input it waits for."""
    if window.end is not None and window.end <= last:
        return []
    later = {sid: days[-1] for sid, days in dates.items() if days and (days[-1] - last).days > 7}
    if not later:
        return []
    short = [sid for sid in dates if sid not in later]
    held = ", ".join(f"{sid} to {end}" for sid, end in later.items())
    verb = "ends" if len(short) == 1 else "end"
    return [f"The chart ends {last}, where {', '.join(short)} {verb}; stored beyond: {held}."]


def _own_dates(panel: Panel, used: dict[str, date]) -> Panel:
    """A component's latest label with its own observation's date, not the row's."""
    lines = tuple(
        replace(line, latest_on=used[line.label])
        if line.label in used and used[line.label] < line.last and not line.emphasis
        else line
        for line in panel.lines
    )
    return replace(panel, lines=lines)


def _carried(catalog: Catalog, entry_id: str) -> list[str]:
    """Operands of a formula dated by a finer operand: their values carry forward."""
    entry = catalog.derived.get(entry_id)
    if entry is None or entry.dates is None:
        return []
    step = _FREQUENCY_ORDER.index(frequency(catalog, entry.dates))
    return [op for op in entry.operands if _FREQUENCY_ORDER.index(frequency(catalog, op)) > step]


def frequency(catalog: Catalog, entry_id: str) -> str:
    """A catalog entry's frequency; a formula's is that of its ``dates`` operand, else the
    coarsest of its operands' (its rows are the dates they share)."""
    if entry_id in catalog.series:
        return catalog.series[entry_id].spec.frequency
    entry = catalog.derived[entry_id]
    if entry.dates:
        return frequency(catalog, entry.dates)
    found = [frequency(catalog, op) for op in entry.operands]
    return max(found, key=lambda f: _FREQUENCY_ORDER.index(f) if f in _FREQUENCY_ORDER else 0)


def same_quantity(catalog: Catalog, entry_id: str) -> list[str]:
    """``entry_id`` and the entries measuring the same thing (``quantity`` in the catalog)."""
    if entry_id not in catalog.series:
        return [entry_id]
    quantity = catalog.series[entry_id].spec.quantity
    if quantity is None:
        return [entry_id]
    others = [s for s, e in catalog.series.items() if e.spec.quantity == quantity]
    return [entry_id, *(s for s in others if s != entry_id)]


def _overlay(
    store: Store, catalog: Catalog, name: str, window: Window, chart: Chart
) -> tuple[Line, list[str], str]:
    """The overlay as a z-score over the chart's dates, from the source of its quantity
    that covers them best (VIXCLS from FRED rather than Yahoo's VIX that ends in 2022)."""
    from liquidity import query

    asked = catalog.find(name)
    first, last = chart.span
    found = {}
    for sid in same_quantity(catalog, asked):
        points = [p for p in query.values(store, catalog, sid, window) if first <= p[0] <= last]
        if points:
            found[sid] = points
    if not found:
        why = query.why_empty(store, asked, window=window)
        raise PlotError(f"--overlay {asked} has nothing from {first} to {last}: {why}")

    def covered(sid: str) -> int:
        return (found[sid][-1][0] - found[sid][0][0]).days

    best = max(found, key=covered)
    if asked in found and covered(best) - covered(asked) <= CHANGE_DAYS:
        best = asked  # what was asked, unless another source covers clearly more
    points = found[best]
    notes = []
    if best != asked:
        theirs = found.get(asked)
        had = f"{theirs[0][0]} to {theirs[-1][0]}" if theirs else "nothing in these dates"
        notes.append(
            f"--overlay {asked}: {best} is drawn instead, the same quantity over more of the "
            f"chart ({catalog.title(best)}: {points[0][0]} to {points[-1][0]}; {asked}: {had})."
        )
    line = normalised(best, points)
    values = line.raw
    mean = sum(values) / len(values)
    if len(points) < 2:
        notes.append(f"{best}: one value in the chart's dates ({points[0][0]}): no z-score.")
    elif not any(line.values):  # ``normalised`` found no spread: every z-score is 0
        notes.append(
            f"{best} is constant over {points[0][0]} to {points[-1][0]} ({values[0]:g}): "
            "no z-score, drawn at 0."
        )
    else:
        notes.append(
            f"{best} as a z-score over {points[0][0]} to {points[-1][0]} "
            f"({len(points)} values, mean {mean:.2f})."
        )
    gap = allowed_gap(frequency(catalog, best), line.dates)
    return replace(line, max_gap=gap), notes, best


def _vintage_notes(store: Store, bases: Sequence[str], window: Window, realtime: bool) -> list[str]:
    """Say whether an as-of (or real-time) picture shows values as they were published
    then (vintages: ALFRED's, or revisions we recorded) or only today's data cut at that
    instant, which carries every later revision."""
    if window.as_of is None and not realtime:
        return []
    from liquidity.models import VINTAGE_SOURCE

    true: list[str] = []
    cut: list[str] = []
    for sid in bases:
        rows = store.vintages(sid, end=window.end)
        dated = {o.date for o in rows}
        revised = len(dated) < len(rows) or any(o.source == VINTAGE_SOURCE for o in rows)
        (true if revised else cut).append(sid)
    out = []
    if window.as_of is not None:
        if true:
            out.append(
                f"As of that instant: {', '.join(true)} from true vintages "
                "(values as published then)."
            )
        if cut:
            out.append(
                f"As of that instant: {', '.join(cut)} are today's data cut at each date, not "
                "vintages (none collected, so later revisions show; "
                "`liquidity collect --vintages`)."
            )
    if realtime:
        if true:
            out.append(f"Real-time: {', '.join(true)} each day as published then (vintages).")
        if cut:
            out.append(
                f"Real-time: {', '.join(cut)} have no vintages: each day shows today's values "
                "from the day they were published (publication lags, not revisions)."
            )
    return out


def _periods(store: Store, catalog: Catalog, name: str, window: Window) -> tuple[Period, ...]:
    """The named periods, or those where a 0/1 catalog series is 1; any other series is
    refused (shading where WALCL is non-zero would shade everything)."""
    from liquidity import query

    if name.lower() in shading.NAMED:
        return shading.NAMED[name.lower()]
    sid = catalog.find(name)
    points = query.values(store, catalog, sid, window)
    other = next((v for _, v in points if v not in (0.0, 1.0)), None)
    if other is not None:
        raise PlotError(
            f"--shade {sid}: not a 0/1 series (it has {other:g}); use recessions, qt or an "
            "indicator such as FRED's USREC"
        )
    return shading.from_values(points, sid)


def _bases(catalog: Catalog, ids: Sequence[str]) -> list[str]:
    from liquidity import query

    out: dict[str, None] = {}
    for i in ids:
        if i in catalog.series or i in catalog.derived:
            out.update(dict.fromkeys(query.base_series(catalog, i)))
    return list(out)


def _unit(catalog: Catalog, entry_id: str) -> tuple[str, float]:
    unit = catalog.unit(entry_id)
    return unit.label, unit.scale if unit.dimension == "usd" else 0.0


def _overlay_ylabel(overlay: Line) -> str:
    return f"{overlay.label.split(' ', 1)[0]} z-score"


def _title(what: str, as_of: datetime | None) -> str:
    return what if as_of is None else f"{what}, as of {as_of.isoformat(timespec='seconds')}"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("liquidity")
    except PackageNotFoundError:
        return "(source)"
