"""``liquidity plot``: files rendered through the CLI, and the data drawn checked
against the store (``query.net_liquidity`` / ``query.series``)."""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from liquidity import plots, query
from liquidity.storage.duckdb import DuckDBStore
from liquidity.transforms.net_liquidity import NetLiquidityRow
from liquidity.window import Window, parse_instant
from tests.support.cli import cli_env, collected_env, run_cli
from tests.support.replay import ReplayServer

AS_OF = "2025-06-01"  # a bare date: the end of that day in New York


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One collect from the replay server into a DuckDB file, shared by the module."""
    with collected_env(tmp_path_factory.mktemp("plots"), "plots.duckdb", []) as env:
        yield env


@contextmanager
def opened(env: dict[str, str]) -> Iterator[DuckDBStore]:
    store = DuckDBStore(env["LIQUIDITY_DUCKDB_PATH"])
    try:
        yield store
    finally:
        store.close()


def plot(env: dict[str, str], out: Path, *args: str) -> Path:
    done = run_cli(["plot", *args, "-o", str(out)], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    return out


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind, width, height = struct.unpack(">I4sII", head[8:24])
    assert (length, kind) == (13, b"IHDR")
    return width, height


def plotly_traces(path: Path) -> list[dict[str, Any]]:
    """The traces of the figure embedded in a plotly HTML file."""
    text = path.read_text()
    call = text.index("Plotly.newPlot(")
    data = text.index("[", text.index(",", call))
    traces, _ = json.JSONDecoder().raw_decode(text, data)
    return traces  # type: ignore[no-any-return]


def in_trillions(rows: list[NetLiquidityRow], part: str | None = None) -> list[float]:
    return [(r.components[part] if part else r.net_liquidity) / 1e6 for r in rows]


def zscore(values: list[float]) -> list[float]:
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return [(v - mean) / sd for v in values]


def drawn(trace: dict[str, Any]) -> tuple[list[str], list[float]]:
    """A trace's points without the ``None`` that breaks the line at each gap."""
    pairs = [(x, y) for x, y in zip(trace["x"], trace["y"], strict=True) if y is not None]
    return [x for x, _ in pairs], [y for _, y in pairs]


def plotly_layout(path: Path) -> dict[str, Any]:
    text = path.read_text()
    call = text.index("Plotly.newPlot(")
    data = text.index("[", text.index(",", call))
    decoder = json.JSONDecoder()
    _, end = decoder.raw_decode(text, data)
    layout, _ = decoder.raw_decode(text, text.index("{", end))
    return layout  # type: ignore[no-any-return]


def test_png_has_the_figure_size(collected: dict[str, str], tmp_path: Path) -> None:
    out = plot(collected, tmp_path / "nl.png", "net-liquidity", "--overlay", "VIX")
    assert 30_000 < out.stat().st_size < 3_000_000
    width, height = png_size(out)
    assert width == 1650  # 11 in at 150 dpi
    assert height > 1050  # 7 in, taller for each panel past two and each line of notes


def test_svg_is_xml_with_the_title(collected: dict[str, str], tmp_path: Path) -> None:
    out = plot(collected, tmp_path / "nl.svg", "net-liquidity", "--variant", "daily")
    assert 30_000 < out.stat().st_size < 5_000_000
    root = ElementTree.parse(out).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "Net Liquidity (daily: WALCL − RRPONTSYD − WTREGEN)" in out.read_text()


@pytest.mark.parametrize("variant", ["weekly", "daily", "primary"])
def test_html_traces_are_the_stored_net_liquidity(
    collected: dict[str, str], tmp_path: Path, variant: str
) -> None:
    out = plot(collected, tmp_path / "nl.html", "net-liquidity", "--variant", variant)
    assert 3_000_000 < out.stat().st_size < 20_000_000  # plotly.js inlined: works offline
    with opened(collected) as store:
        rows = query.net_liquidity(store, variant)
    traces = plotly_traces(out)
    parts = list(rows[0].components)
    assert [t["name"] for t in traces] == ["Net Liquidity", *parts]
    days = [r.date.isoformat() for r in rows]
    assert len(days) > 200
    for trace, part in zip(traces, [None, *parts], strict=True):
        xs, ys = drawn(trace)
        assert xs == days
        assert ys == pytest.approx(in_trillions(rows, part), rel=1e-12)


def test_gaps_in_the_data_break_the_line(collected: dict[str, str], tmp_path: Path) -> None:
    """RRPONTSYD has months without a value before 2013: no line is drawn across them,
    in the HTML (a null between the two dates) and in the PNG's data (a NaN)."""
    out = plot(collected, tmp_path / "rrp.html", "RRPONTSYD")
    with opened(collected) as store:
        stored = query.series(store, "RRPONTSYD")
    (trace,) = plotly_traces(out)
    holes = [(a.date, b.date) for a, b in pairwise(stored) if (b.date - a.date).days > 7]
    assert len(holes) >= 5 and max((b - a).days for a, b in holes) > 120
    breaks = [i for i, y in enumerate(trace["y"]) if y is None]
    assert len(breaks) == len(holes)
    for i, (a, b) in zip(breaks, holes, strict=True):
        assert trace["x"][i - 1] == a.isoformat() and trace["x"][i + 1] == b.isoformat()
    assert drawn(trace)[0] == [o.date.isoformat() for o in stored]
    notes = plotly_layout(out)["annotations"][-1]["text"]
    assert f"RRPONTSYD: no data in {len(holes)} gaps" in notes
    with opened(collected) as store:
        chart = plots.prepare(store, ["net-liquidity"], variant="daily")
    line = plots.figure(chart).axes[0].get_lines()[0]
    assert sum(math.isnan(y) for y in line.get_ydata()) == len(plots.gaps.gaps(chart.lines[0]))


def test_overlay_is_the_longest_source_as_a_z_score_over_the_chart(
    collected: dict[str, str], tmp_path: Path
) -> None:
    """``--overlay VIX``: FRED's VIXCLS covers the chart, Yahoo's VIX (the same quantity)
    does not: VIXCLS is drawn, cut to the chart's dates, and the notes say so."""
    args = ["net-liquidity", "--overlay", "VIX", "--start", "2019-01-01"]
    out = plot(collected, tmp_path / "ov.html", *args)
    window = Window(start=date(2019, 1, 1))
    with opened(collected) as store:
        rows = query.net_liquidity(store, "weekly", window)
        vixcls = query.series(store, "VIXCLS", window)
        yahoo = query.series(store, "VIX", window)
    assert yahoo[0].date > date(2019, 6, 1)  # the Yahoo recording starts later
    first, last = rows[0].date, rows[-1].date
    points = [o for o in vixcls if first <= o.date <= last]
    overlay = plotly_traces(out)[-1]
    assert overlay["name"] == "VIXCLS (z-score)"
    assert overlay["yaxis"] == "y2"  # the secondary axis of the top panel
    xs, ys = drawn(overlay)
    assert xs == [o.date.isoformat() for o in points]
    assert ys == pytest.approx(zscore([o.value for o in points]), rel=1e-9)
    assert overlay["hoverinfo"] == "skip"  # its hover is on Net Liquidity's, per date
    layout = plotly_layout(out)
    right = layout["yaxis2"]
    assert right["dtick"] == 1  # whole standard deviations
    notes = layout["annotations"][-1]["text"]
    assert "--overlay VIX: VIXCLS is drawn instead" in notes
    assert f"VIX: {yahoo[0].date} to {yahoo[-1].date}" in notes
    assert f"VIXCLS as a z-score over {points[0].date} to {points[-1].date}" in notes


def test_a_series_shorter_than_the_chart_is_said(collected: dict[str, str], tmp_path: Path) -> None:
    out = plot(collected, tmp_path / "short.svg", "VIXCLS", "VIX", "--start", "2015-01-01")
    with opened(collected) as store:
        yahoo = query.series(store, "VIX", Window(start=date(2015, 1, 1)))
    assert f"VIX covers only {yahoo[0].date} to {yahoo[-1].date}." in out.read_text()


def test_html_hover_has_full_dates_units_decimals_and_components(
    collected: dict[str, str], tmp_path: Path
) -> None:
    out = plot(collected, tmp_path / "hover.html", "net-liquidity", "--start", "2022-01-01")
    with opened(collected) as store:
        rows = query.net_liquidity(store, "weekly", Window(start=date(2022, 1, 1)))
    head, *parts = plotly_traces(out)
    layout = plotly_layout(out)
    assert layout["hovermode"] == "x unified"
    assert layout["xaxis"]["hoverformat"] == "%Y-%m-%d"  # the header: 2022-07-13, not Jul 2022
    assert head["hovertemplate"].startswith("%{y:,.4~r} USD trillions")  # 4 digits: 5.561
    for k, name in enumerate(rows[0].components):
        assert f"{name} %{{customdata[{k}]:,.4~r}}" in head["hovertemplate"]
    custom = [c for c in head["customdata"] if c is not None]
    assert custom[-1] == pytest.approx([v / 1e6 for v in rows[-1].components.values()])
    # one legend above each panel, no fixed height
    assert [t["legend"] for t in [head, *parts]] == ["legend", "legend2", "legend3", "legend4"]
    assert "height" not in layout
    assert re.search(r"height:100vh; min-height:\d+px;", out.read_text())  # fills the window


def test_latest_values_are_marked(collected: dict[str, str], tmp_path: Path) -> None:
    out = plot(collected, tmp_path / "latest.html", "WALCL", "--money", "billions")
    with opened(collected) as store:
        last = query.series(store, "WALCL")[-1]
    (trace,) = plotly_traces(out)
    assert trace["marker"]["size"][-1] > 0
    texts = [a["text"] for a in plotly_layout(out)["annotations"]]
    assert f"{last.value / 1e3:,.0f}<br>{last.date}" in texts
    assert plotly_layout(out)["yaxis"]["title"]["text"] == "USD billions"


def test_plotly_from_the_cdn_makes_a_small_file(collected: dict[str, str], tmp_path: Path) -> None:
    out = plot(collected, tmp_path / "cdn.html", "WALCL", "--plotly", "cdn")
    assert out.stat().st_size < 500_000
    assert 'src="https://cdn.plot.ly/' in out.read_text()


def test_shaded_periods(collected: dict[str, str], tmp_path: Path) -> None:
    args = ["net-liquidity", "--shade", "recessions", "--shade", "qt", "--start", "2019-01-01"]
    out = plot(collected, tmp_path / "shade.html", *args)
    rects = [
        (s["x0"][:10], s["x1"][:10])
        for s in plotly_layout(out)["shapes"]
        if s["type"] == "rect" and s.get("yref", "").endswith("domain")
    ]
    assert ("2020-02-01", "2020-04-30") in rects  # NBER: February to April 2020
    assert ("2019-01-02", "2019-07-31") in rects or ("2019-01-01", "2019-07-31") in rects


def test_as_of_drops_rows_not_yet_public(collected: dict[str, str], tmp_path: Path) -> None:
    out = plot(collected, tmp_path / "asof.html", "net-liquidity", "--as-of", AS_OF)
    as_of = parse_instant(AS_OF)
    with opened(collected) as store:
        everything = query.net_liquidity(store, "weekly")
        then = query.net_liquidity(store, "weekly", Window(as_of=as_of))
    (top, *_) = plotly_traces(out)
    xs, ys = drawn(top)
    assert xs == [r.date.isoformat() for r in then]
    assert ys == pytest.approx(in_trillions(then), rel=1e-12)
    assert len(then) < len(everything)
    assert max(xs) < "2025-06-01" < everything[-1].date.isoformat()
    assert f"as of {as_of.isoformat(timespec='seconds')}" in out.read_text()  # type: ignore[union-attr]
    notes = plotly_layout(out)["annotations"][-1]["text"]
    assert "WALCL, WLRRAL, WDTGAL are today&#x27;s data cut at each date, not vintages" in notes


def test_prepared_chart_and_matplotlib_lines_match_the_store(
    collected: dict[str, str],
) -> None:
    from matplotlib import dates as mdates

    as_of = parse_instant(AS_OF)
    with opened(collected) as store:
        rows = query.net_liquidity(store, "daily", Window(as_of=as_of))
        chart = plots.prepare(
            store, ["net-liquidity"], variant="daily", window=Window(as_of=as_of), layout="shared"
        )
    days = tuple(r.date for r in rows)
    top, bottom = chart.panels
    assert (top.ylabel, bottom.ylabel) == (
        "Net Liquidity (USD trillions)",
        "Components (USD trillions)",
    )
    lines = [*top.lines, *bottom.lines]
    assert [line.label for line in lines] == ["Net Liquidity", "WALCL", "RRPONTSYD", "WTREGEN"]
    for line, part in zip(lines, [None, "WALCL", "RRPONTSYD", "WTREGEN"], strict=True):
        assert line.dates == days
        assert list(line.values) == pytest.approx(in_trillions(rows, part), rel=1e-12)
    assert "as of 2025-06-01T23:59:59-04:00" in chart.title

    fig = plots.figure(chart)
    named = [ln for ax in fig.axes for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert len(named) == 4
    for artist, line in zip(named, lines, strict=True):
        xy = [(x, y) for x, y in artist.get_xydata() if not math.isnan(y)]
        assert [x for x, _ in xy] == pytest.approx(list(mdates.date2num(list(line.dates))))
        assert [y for _, y in xy] == pytest.approx(list(line.values), rel=1e-12)
    assert fig.axes[0].get_ylabel() == "Net Liquidity (USD trillions)"


def test_series_are_grouped_by_unit(collected: dict[str, str], tmp_path: Path) -> None:
    """Money in one unit for the chart (trillions here), each series on its own axis when
    one axis would squash it (RRP under WALCL), like units together (DGS10, DGS2)."""
    ids = ["WALCL", "RRPONTSYD", "DGS10", "DGS2"]
    out = plot(collected, tmp_path / "s.svg", *ids, "--start", "2024-01-01")
    ElementTree.parse(out)
    with opened(collected) as store:
        chart = plots.prepare(store, ids, window=Window(start=date(2024, 1, 1)))
        stored = {sid: query.series(store, sid, Window(start=date(2024, 1, 1))) for sid in ids}
    grouped = [(p.ylabel, [line.label for line in p.lines]) for p in chart.panels]
    assert grouped == [
        ("USD trillions", ["WALCL"]),
        ("USD trillions", ["RRPONTSYD"]),
        ("percent", ["DGS10", "DGS2"]),
    ]
    per_trillion = {"WALCL": 1e6, "RRPONTSYD": 1e3, "DGS10": 1.0, "DGS2": 1.0}
    for line in chart.lines:
        assert line.dates == tuple(o.date for o in stored[line.label])
        expected = [o.value / per_trillion[line.label] for o in stored[line.label]]
        assert list(line.values) == pytest.approx(expected, rel=1e-12)
    axes = plots.figure(chart).axes
    assert [ax.get_ylabel() for ax in axes] == ["USD trillions", "USD trillions", "percent"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["net-liquidity", "-o", "out.jpg"], "unknown suffix; use one of .png, .svg, .html"),
        (["NOPE", "-o", "out.png"], "unknown series 'NOPE'"),
        (["net-liquidity", "--overlay", "NOPE", "-o", "out.png"], "unknown series 'NOPE'"),
        (["net-liquidity", "--variant", "hourly", "-o", "out.svg"], "unknown variant 'hourly'"),
        (["net-liquidity", "VIX", "-o", "out.png"], "net-liquidity is plotted alone"),
        (["WALCL", "--layout", "grid", "-o", "out.png"], "unknown layout 'grid'"),
        (["WALCL", "--money", "yen", "-o", "out.png"], "unknown money unit 'yen'"),
        (["WALCL", "--plotly", "web", "-o", "out.html"], "unknown --plotly 'web'"),
        (["WALCL", "--shade", "NOPE", "-o", "out.png"], "unknown series 'NOPE'"),
        (["WALCL", "--shade", "WALCL", "-o", "out.png"], "--shade WALCL: not a 0/1 series"),
        (
            ["net-liquidity", "--realtime", "--as-of", "2025-06-01", "-o", "out.png"],
            "--realtime shows each day as known that day: drop --as-of",
        ),
        (
            ["WALCL", "--start", "2025-11-12", "--layout", "changes", "-o", "out.png"],
            "--layout changes: WALCL has no two values 7 days apart in this window",
        ),
    ],
)
def test_bad_requests_are_one_line_errors(
    collected: dict[str, str], tmp_path: Path, args: list[str], message: str
) -> None:
    done = run_cli(
        ["plot", *(str(tmp_path / a) if a.startswith("out.") else a for a in args)], collected
    )
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and message in line
    assert list(tmp_path.iterdir()) == []


def test_no_data_is_a_one_line_error(replay: ReplayServer, tmp_path: Path) -> None:
    env = cli_env(replay, tmp_path / "empty.duckdb", MPLCONFIGDIR=str(tmp_path / "mpl"))
    done = run_cli(["plot", "net-liquidity", "-o", str(tmp_path / "x.png")], env)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: no data for net-liquidity; run `liquidity collect` first"
    )


@pytest.mark.parametrize(("suffix", "module"), [("png", "matplotlib"), ("html", "plotly")])
def test_without_the_extra_says_what_to_install(
    collected: dict[str, str], tmp_path: Path, suffix: str, module: str
) -> None:
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / f"{module}.py").write_text("raise ImportError('not installed')\n")
    env = {**collected, "PYTHONPATH": f"{shadow}:{collected['PYTHONPATH']}"}
    done = run_cli(["plot", "net-liquidity", "-o", str(tmp_path / f"x.{suffix}")], env)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"error: plotting needs {module}: pip install 'liquidity[plots]'"
    )


def test_realtime_is_drawn_beside_the_latest(collected: dict[str, str], tmp_path: Path) -> None:
    """``--realtime``: each series (a formula too) also as known each day, on its own axis."""
    out = plot(
        collected,
        tmp_path / "r.svg",
        "NETLIQ_DAILY",
        "SOFR_IORB",
        "--realtime",
        "--start",
        "2024-01-01",
    )
    ElementTree.parse(out)
    from liquidity.catalog.active import active_catalog

    window = Window(start=date(2024, 1, 1))
    with opened(collected) as store:
        chart = plots.prepare(store, ["NETLIQ_DAILY", "SOFR_IORB"], window=window, realtime=True)
        known = query.realtime(store, active_catalog(), "NETLIQ_DAILY", window)
        netliq = plots.prepare(
            store, ["net-liquidity"], variant="daily", window=window, realtime=True
        )
    grouped = {p.ylabel: [line.label for line in p.lines] for p in chart.panels}
    assert grouped == {
        "USD trillions": ["NETLIQ_DAILY", "NETLIQ_DAILY (real-time)"],
        "basis points": ["SOFR_IORB", "SOFR_IORB (real-time)"],
    }
    line = chart.panels[0].lines[1]
    assert line.dashed and not line.mark_latest
    assert line.dates == tuple(d for d, _ in known)
    assert list(line.values) == pytest.approx([v / 1e6 for _, v in known], rel=1e-12)
    assert any("RRPONTSYD" in n and "have no vintages" in n for n in chart.notes)
    assert [ln.label for ln in netliq.panels[0].lines] == [
        "Net Liquidity",
        "Net Liquidity (real-time)",
    ]


def test_as_of_with_true_vintages_says_so(tmp_path: Path) -> None:
    """Rows from ALFRED (exact vintages) make an as-of chart a true one; the same chart
    from rows collected once says it only cuts today's data."""
    from liquidity.models import VINTAGE_SOURCE, Observation

    store = DuckDBStore(tmp_path / "v.duckdb")
    try:
        first = date(2024, 1, 3)
        for sid, base, source in (
            ("WALCL", 7.7e6, VINTAGE_SOURCE),
            ("WLRRAL", 6e5, VINTAGE_SOURCE),
            ("WDTGAL", 7.5e5, "fred"),
        ):
            rows = []
            for week in range(10):
                day = first + timedelta(weeks=week)
                known = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
                rows.append(Observation(sid, day, base + week, day, known, source))
            store.write(rows)
        as_of = datetime(2024, 2, 20, tzinfo=UTC)
        chart = plots.prepare(store, ["net-liquidity"], window=Window(as_of=as_of))
    finally:
        store.close()
    assert chart.notes[-2:] == (
        "As of that instant: WALCL, WLRRAL from true vintages (values as published then).",
        "As of that instant: WDTGAL are today's data cut at each date, not vintages (none "
        "collected, so later revisions show; `liquidity collect --vintages`).",
    )


def test_footnote_names_sources_last_dates_window_and_when(collected: dict[str, str]) -> None:
    from liquidity import clock

    window = Window(start=date(2015, 1, 1), end=date(2024, 12, 31))  # Yahoo's VIX: 2020 on
    with opened(collected) as store, clock.frozen(datetime(2031, 5, 6, 7, 8, tzinfo=UTC)):
        chart = plots.prepare(store, ["net-liquidity"], window=window, overlay="VIX")
        end = query.net_liquidity(store, "weekly", window)[-1].date
        last = {
            s: query.series(store, s, replace(window, end=end))[-1].date
            for s in ("WALCL", "VIXCLS")
        }
    data, when = chart.footnote
    assert data.startswith(f"Data: WALCL (FRED, last {last['WALCL']}), WLRRAL (FRED, last ")
    assert data.endswith(f"VIXCLS (FRED, last {last['VIXCLS']})")
    assert when.startswith("Window: 2015-01-01 to 2024-12-31. Made 2031-05-06 07:08 UTC by ")
    svg = plots.render(chart, Path(collected["LIQUIDITY_DUCKDB_PATH"]).with_suffix(".svg"))
    text = svg.read_text()
    assert "Made 2031-05-06 07:08 UTC" in text and f"last {last['VIXCLS']}" in text


def test_overlay_hover_is_the_value_of_the_hovered_date_never_a_stale_one(
    collected: dict[str, str], tmp_path: Path
) -> None:
    """MOVE ends before Net Liquidity: past its end the hover says so, rather than show
    MOVE's last value under a later date (plotly's own hover would)."""
    out = plot(collected, tmp_path / "m.html", "net-liquidity", "--overlay", "MOVE")
    with opened(collected) as store:
        move = query.series(store, "MOVE")
        rows = query.net_liquidity(store, "weekly")
    head = plotly_traces(out)[0]
    assert head["hovertemplate"].count("%{customdata[3]}") == 1  # after the 3 components
    texts = dict(zip(head["x"], [c[3] if c else None for c in head["customdata"]], strict=True))
    inside = next(r.date for r in rows if r.date in {o.date for o in move})
    value = next(o.value for o in move if o.date == inside)
    assert texts[inside.isoformat()].startswith(f"{plots.scale.shown(value)} (z ")
    assert texts[inside.isoformat()].endswith(f", {inside})")
    after = [r.date for r in rows if (r.date - move[-1].date).days > 7]
    assert after, "the recording's MOVE must end before Net Liquidity"
    assert all(texts[d.isoformat()].startswith("none within") for d in after)


def test_a_constant_overlay_has_no_z_score(collected: dict[str, str]) -> None:
    window = Window(start=date(2025, 1, 1), end=date(2025, 6, 1))
    with opened(collected) as store:
        iorb = {o.value for o in query.series(store, "IORB", window)}
        chart = plots.prepare(store, ["net-liquidity"], window=window, overlay="IORB")
    assert len(iorb) == 1  # 4.40 all along
    assert chart.overlay is not None and set(chart.overlay.values) == {0.0}
    assert any("IORB is constant over" in n and "no z-score" in n for n in chart.notes)


def test_the_overlay_asked_for_is_kept_unless_another_covers_clearly_more(
    collected: dict[str, str],
) -> None:
    as_of = Window(as_of=parse_instant("2025-11-12T23:00:00"))
    with opened(collected) as store:
        chart = plots.prepare(
            store, ["net-liquidity"], variant="daily", window=as_of, overlay="VIXCLS"
        )
    assert chart.overlay is not None and chart.overlay.label == "VIXCLS (z-score)"


def test_footnote_and_labels_give_the_dates_actually_used(collected: dict[str, str]) -> None:
    """The primary variant ends where the DTS recording ends: the notes say why, the
    footnote gives each input's last date used, a carried weekly value its own date."""
    with opened(collected) as store:
        chart = plots.prepare(store, ["net-liquidity"], variant="primary")
        end = chart.lines[0].last
        walcl = [o for o in query.series(store, "WALCL") if o.date <= end][-1]
        stored = query.series(store, "WALCL")[-1]
    assert stored.date > end  # WALCL is stored beyond the chart's end
    data, _ = chart.footnote
    assert f"WALCL (FRED, last {walcl.date})" in data
    assert any(n.startswith(f"The chart ends {end}, where TGA_DTS ends") for n in chart.notes)
    with opened(collected) as store:
        daily = plots.prepare(store, ["net-liquidity"], variant="daily")
        walcl_last = query.series(store, "WALCL")[-1].date
    part = next(line for line in daily.lines if line.label == "WALCL")
    assert part.last > walcl_last  # the daily rows carry WALCL past its own last date
    assert part.latest_on == walcl_last  # and its label says which one it is
    assert any(n.startswith("WALCL, WTREGEN are weekly: each date carries") for n in daily.notes)


def test_shading_with_no_period_in_the_chart_is_said(collected: dict[str, str]) -> None:
    with opened(collected) as store:
        chart = plots.prepare(
            store, ["WALCL"], window=Window(start=date(2024, 1, 1)), shade=["recessions"]
        )
    assert chart.shading == ()
    assert "--shade recessions: no period within" in chart.notes[-1]


def test_nothing_to_plot_is_a_plot_error(collected: dict[str, str]) -> None:
    with opened(collected) as store, pytest.raises(plots.PlotError, match="nothing to plot"):
        plots.prepare(store, [])
