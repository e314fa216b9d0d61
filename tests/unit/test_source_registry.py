"""Adding a source is one module and one registry line: ``tests/support/toy_source.py``,
its ``ENTRY`` put in the registry (and its series in the table) by the test alone, is
collected through ``collect`` like any built-in source, its refusals read by the shared
decoder."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from liquidity.catalog.active import SERIES
from liquidity.compose import collect_config
from liquidity.config import Settings
from liquidity.errors import ConfigError
from liquidity.pipeline import collect
from liquidity.sources import registry
from liquidity.storage.duckdb import DuckDBStore
from tests.support import toy_source

ANSWERS = {
    "/toy/good": (
        200,
        {
            "points": [
                {"date": "2024-01-02", "value": "1.5"},
                {"date": "2024-01-03", "value": "."},
                {"date": "2024-01-04", "value": "2.25"},
            ]
        },
    ),
    "/toy/gone": (404, {"error": {"message": "no such series"}}),
}


class _Toy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, body = ANSWERS.get(self.path, (404, {}))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet test output


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Toy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(toy_source, "URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setitem(registry.SOURCES, toy_source.NAME, toy_source.ENTRY)
    for spec in (toy_source.TOY, toy_source.TOY_GONE):
        monkeypatch.setitem(SERIES, spec.id, spec)
    yield
    server.shutdown()
    server.server_close()
    thread.join()


async def test_a_registered_source_is_collected(
    toy: None, settings: Settings, memory_store: DuckDBStore
) -> None:
    report = await collect(collect_config(settings), memory_store, ["TOY", "TOY_GONE", "VIX"])
    reports = {s.series_id: s for s in report.series}

    assert reports["TOY"].error is None and reports["TOY"].missing == 1
    assert [(o.date.isoformat(), o.value) for o in memory_store.read("TOY")] == [
        ("2024-01-02", 1.5),
        ("2024-01-04", 2.25),
    ]
    assert reports["TOY_GONE"].error == "toy: TOY_GONE: no such series"
    assert reports["VIX"].error is None  # a built-in source in the same collect
    assert report.by_source["toy"] == {200: 1, 404: 1}


async def test_a_series_of_an_unregistered_source_is_a_config_error(
    toy: None, settings: Settings, memory_store: DuckDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(registry.SOURCES, toy_source.NAME)
    with pytest.raises(ConfigError, match="unknown source 'toy'"):
        await collect(collect_config(settings), memory_store, ["TOY"])


def test_every_series_names_a_registered_source() -> None:
    assert {spec.source for spec in SERIES.values()} <= registry.SOURCES.keys()
