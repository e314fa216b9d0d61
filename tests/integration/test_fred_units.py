"""A keyed FRED entry without ``unit =``: the composition root asks FRED's ``series``
metadata once for it (through the one HTTP path), caches the answer beside the data, and
loads the catalog with it; FRED's refusal is one line naming the entry."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from liquidity.compose import fred_units, fred_units_path, install_catalog
from liquidity.errors import ConfigError
from liquidity.registry.units import Unit
from tests.support.replay import ReplayServer
from tests.support.settings import API_KEY, make_settings

METADATA = "/fred/series"
OBSERVATIONS = "/fred/series/observations"
CATALOG = """
[series.WRESBAL]
source = "fred"
release = "H.4.1"
frequency = "weekly"

[series.RATE]
source = "fred"
symbol = "DGS10"
"""


def metadata_requests(server: ReplayServer) -> int:
    """``fred/series`` only (``count`` matches the path as a substring)."""
    return server.count(METADATA) - server.count(OBSERVATIONS)


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.toml"
    path.write_text(CATALOG)
    return path


def test_freds_units_are_asked_once_then_cached(
    replay: ReplayServer, tmp_path: Path, catalog: Path
) -> None:
    settings = make_settings(replay, tmp_path, fred_api_key=API_KEY, catalog=catalog)
    try:
        installed = install_catalog(settings)
        assert installed.unit("WRESBAL") is Unit.USD_MILLIONS
        assert installed.unit("RATE") is Unit.PERCENT
        assert metadata_requests(replay) == 2  # one series?series_id= each, nothing else
        assert replay.count(match=f"api_key={API_KEY}") == 2
        cache = fred_units_path(settings)
        assert cache == tmp_path / "fred_units.json"  # beside the DuckDB file
        assert API_KEY not in cache.read_text()
        replay.reset_counts()
        assert install_catalog(settings).unit("WRESBAL") is Unit.USD_MILLIONS
        assert replay.count() == 0  # from the cache
    finally:
        install_catalog(make_settings(replay, tmp_path))  # the packaged catalog again


def test_nothing_is_asked_when_every_entry_declares_its_unit(
    replay: ReplayServer, tmp_path: Path
) -> None:
    settings = make_settings(replay, tmp_path, fred_api_key=API_KEY)
    assert fred_units(settings, None, required=False) == {}
    assert replay.count() == 0 and not fred_units_path(settings).exists()
    keyless = make_settings(replay, tmp_path)
    assert fred_units(keyless, tmp_path / "absent.toml", required=False) == {}


def test_an_unknown_id_is_one_line_naming_the_entry(replay: ReplayServer, tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text(CATALOG + '[series.NOPE]\nsource = "fred"\n')
    settings = make_settings(replay, tmp_path, fred_api_key=API_KEY)
    with pytest.raises(ConfigError) as info:
        fred_units(settings, path, required=True)
    message = str(info.value)
    assert "\n" not in message and API_KEY not in message
    assert message.startswith(f"{path}: series.NOPE: unit: asking FRED for it: ")
    assert "does not exist" in message
    # What FRED did answer is cached: the next run asks only for the unknown one.
    assert set(fred_units_path(settings).read_text().split('"')) >= {"WRESBAL", "DGS10"}


def test_fred_unreachable_is_one_line(tmp_path: Path, catalog: Path) -> None:
    down = ReplayServer().start()
    down.stop()  # nothing listens at its address any more
    settings = make_settings(down, tmp_path, fred_api_key=API_KEY, retry_attempts=1)
    with pytest.raises(ConfigError) as info:
        fred_units(settings, catalog, required=True)
    lines = str(info.value).splitlines()
    assert len(lines) == 2  # one per entry
    assert lines[0].startswith(f"{catalog}: series.WRESBAL: unit: asking FRED for it: ")
    assert not fred_units_path(settings).exists()


def test_asked_from_a_running_event_loop(
    replay: ReplayServer, tmp_path: Path, catalog: Path
) -> None:
    """The Python API may be called in a notebook, whose loop is already running."""
    settings = make_settings(replay, tmp_path, fred_api_key=API_KEY)

    async def inside() -> dict[str, str]:
        return fred_units(settings, catalog, required=True)

    assert asyncio.run(inside()) == {"WRESBAL": "Millions of U.S. Dollars", "DGS10": "Percent"}
