"""The Python API returns frames of what the store knew at an instant."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pytest

import liquidity
from liquidity import query
from liquidity.compose import collect_config
from liquidity.config import Settings
from liquidity.errors import ConfigError
from liquidity.pipeline import collect
from liquidity.plots import PlotError
from liquidity.storage.duckdb import DuckDBStore
from liquidity.window import Window


@pytest.fixture
async def filled(settings: Settings) -> Settings:
    store = DuckDBStore(settings.duckdb_path)
    await collect(collect_config(settings), store, ["WALCL", "WLRRAL", "WDTGAL", "DGS10"])
    store.close()
    return settings


def test_net_liquidity_frame_matches_the_query(filled: Settings) -> None:
    as_of = "2024-03-15T12:00:00-04:00"
    df = liquidity.net_liquidity("weekly", as_of=as_of, settings=filled)
    assert list(df.columns) == ["net_liquidity", "WALCL", "WLRRAL", "WDTGAL"]
    store = DuckDBStore(filled.duckdb_path)
    rows = query.net_liquidity(store, "weekly", Window.parse(None, None, as_of))
    store.close()
    assert len(df) == len(rows) > 100
    assert df.index[-1].date() == rows[-1].date == date(2024, 3, 13)  # 03-14's H.4.1 is out
    assert df["net_liquidity"].iloc[-1] == rows[-1].net_liquidity


def test_series_frame_and_window(filled: Settings) -> None:
    df = liquidity.series("DGS10", start="2025-11-01", settings=filled)
    assert list(df.columns) == ["value", "realtime_start", "known_at", "source"]
    assert str(df.index[0].date()) >= "2025-11-01"
    assert df["known_at"].iloc[0].tzinfo is not None


@pytest.mark.skipif(importlib.util.find_spec("polars") is not None, reason="polars installed")
def test_polars_missing_is_a_clear_error(filled: Settings) -> None:
    with pytest.raises(ConfigError, match="polars is not installed"):
        liquidity.series("DGS10", frame="polars", settings=filled)


def test_plot_returns_a_figure_or_writes_a_file(filled: Settings, tmp_path: Path) -> None:
    fig = liquidity.plot("net-liquidity", start="2024-01-01", layout="shared", settings=filled)
    store = DuckDBStore(filled.duckdb_path)
    rows = query.net_liquidity(store, "weekly", Window(start=date(2024, 1, 1)))
    store.close()
    head = fig.data[0]
    assert head.name == "Net Liquidity"
    assert [y for y in head.y if y is not None] == pytest.approx(
        [r.net_liquidity / 1e6 for r in rows]
    )
    out = liquidity.plot(["WALCL", "DGS10"], tmp_path / "s.svg", settings=filled)
    assert out == tmp_path / "s.svg" and out.read_text().startswith("<?xml")
    with pytest.raises(PlotError, match="unknown suffix"):
        liquidity.plot("WALCL", tmp_path / "s.jpg", settings=filled)


def test_importing_the_package_stays_cheap() -> None:
    import subprocess
    import sys

    code = "import sys, liquidity; print('pandas' in sys.modules, 'duckdb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
