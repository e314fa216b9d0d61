"""``liquidity plot``: files rendered through the CLI, and the data drawn checked
against the store (``query.net_liquidity`` / ``query.series``)."""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
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


def test_png_has_the_figure_size(collected: dict[str, str], tmp_path: Path) -> None:
    out = plot(collected, tmp_path / "nl.png", "net-liquidity", "--overlay", "VIX")
    assert 30_000 < out.stat().st_size < 2_000_000
    assert png_size(out) == (1650, 1050)  # FIGSIZE (11 x 7 in) at 150 dpi


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
        assert trace["x"] == days
        assert trace["y"] == pytest.approx(in_trillions(rows, part), rel=1e-12)


def test_html_overlay_is_the_z_score_of_the_market_series(
    collected: dict[str, str], tmp_path: Path
) -> None:
    args = ["net-liquidity", "--overlay", "VIX", "--start", "2020-01-01"]
    out = plot(collected, tmp_path / "ov.html", *args)
    with opened(collected) as store:
        vix = query.series(store, "VIX", Window(start=date(2020, 1, 1)))
    overlay = plotly_traces(out)[-1]
    assert overlay["name"] == "VIX (z-score over the window)"
    assert overlay["yaxis"] == "y2"  # the secondary axis of the top panel
    assert overlay["x"] == [o.date.isoformat() for o in vix]
    assert overlay["y"] == pytest.approx(zscore([o.value for o in vix]), rel=1e-9)


def test_as_of_drops_rows_not_yet_public(collected: dict[str, str], tmp_path: Path) -> None:
    out = plot(collected, tmp_path / "asof.html", "net-liquidity", "--as-of", AS_OF)
    as_of = parse_instant(AS_OF)
    with opened(collected) as store:
        everything = query.net_liquidity(store, "weekly")
        then = query.net_liquidity(store, "weekly", Window(as_of=as_of))
    (top, *_) = plotly_traces(out)
    assert top["x"] == [r.date.isoformat() for r in then]
    assert top["y"] == pytest.approx(in_trillions(then), rel=1e-12)
    assert len(then) < len(everything)
    assert max(top["x"]) < "2025-06-01" < everything[-1].date.isoformat()
    assert f"as of {as_of.isoformat(timespec='seconds')}" in out.read_text()  # type: ignore[union-attr]


def test_prepared_chart_and_matplotlib_lines_match_the_store(
    collected: dict[str, str],
) -> None:
    from matplotlib import dates as mdates

    as_of = parse_instant(AS_OF)
    with opened(collected) as store:
        rows = query.net_liquidity(store, "daily", Window(as_of=as_of))
        chart = plots.prepare(store, ["net-liquidity"], variant="daily", window=Window(as_of=as_of))
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
    drawn = [ln for ax in fig.axes for ln in ax.get_lines()]
    assert len(drawn) == 4
    for artist, line in zip(drawn, lines, strict=True):
        xy = artist.get_xydata()
        assert list(xy[:, 0]) == pytest.approx(list(mdates.date2num(list(line.dates))))
        assert list(xy[:, 1]) == pytest.approx(list(line.values), rel=1e-12)
    assert fig.axes[0].get_ylabel() == "Net Liquidity (USD trillions)"


def test_series_are_grouped_by_unit(collected: dict[str, str], tmp_path: Path) -> None:
    ids = ["WALCL", "RRPONTSYD", "DGS10", "DGS2"]
    out = plot(collected, tmp_path / "s.svg", *ids, "--start", "2024-01-01")
    ElementTree.parse(out)
    with opened(collected) as store:
        chart = plots.prepare(store, ids, window=Window(start=date(2024, 1, 1)))
        stored = {sid: query.series(store, sid, Window(start=date(2024, 1, 1))) for sid in ids}
    grouped = {p.ylabel: [line.label for line in p.lines] for p in chart.panels}
    assert grouped == {
        "USD millions": ["WALCL"],
        "USD billions": ["RRPONTSYD"],
        "percent": ["DGS10", "DGS2"],
    }
    for line in (line for p in chart.panels for line in p.lines):
        assert line.dates == tuple(o.date for o in stored[line.label])
        assert line.values == tuple(o.value for o in stored[line.label])
    axes = plots.figure(chart).axes
    assert [ax.get_ylabel() for ax in axes] == ["USD millions", "USD billions", "percent"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["net-liquidity", "-o", "out.jpg"], "unknown suffix; use one of .png, .svg, .html"),
        (["NOPE", "-o", "out.png"], "unknown series 'NOPE'"),
        (["net-liquidity", "--overlay", "NOPE", "-o", "out.png"], "unknown series 'NOPE'"),
        (["net-liquidity", "--variant", "hourly", "-o", "out.svg"], "unknown variant 'hourly'"),
        (["net-liquidity", "VIX", "-o", "out.png"], "net-liquidity is plotted alone"),
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
        "USD millions": ["NETLIQ_DAILY", "NETLIQ_DAILY (real-time)"],
        "basis points": ["SOFR_IORB", "SOFR_IORB (real-time)"],
    }
    line = chart.panels[0].lines[1]
    assert list(zip(line.dates, line.values, strict=True)) == known
    assert [ln.label for ln in netliq.panels[0].lines] == [
        "Net Liquidity",
        "Net Liquidity (real-time)",
    ]
