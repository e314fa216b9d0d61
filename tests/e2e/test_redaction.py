"""The API key never reaches logs, stderr, stdout, stored errors or exception text."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest

from liquidity.compose import collect_config
from liquidity.errors import SourceTransientError
from liquidity.pipeline import collect
from liquidity.redaction import RedactingFilter, Redactor, redact_url
from liquidity.storage.duckdb import DuckDBStore
from tests.support.cli import cli_env, run_cli
from tests.support.replay import ReplayServer
from tests.support.settings import API_KEY, make_settings


def test_redact_url_masks_the_key() -> None:
    url = f"https://api.stlouisfed.org/fred/series?series_id=WALCL&api_key={API_KEY}"
    assert API_KEY not in redact_url(url)
    assert "series_id=WALCL" in redact_url(url)


def test_filter_redacts_messages_args_and_tracebacks() -> None:
    record_holder: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            record_holder.append(record)

    logger = logging.getLogger("liquidity.test.redaction")
    handler = Keep()
    handler.addFilter(RedactingFilter(Redactor([API_KEY])))
    logger.addHandler(handler)
    try:
        try:
            raise SourceTransientError(f"boom {API_KEY}")
        except SourceTransientError:
            logger.exception("GET %s", f"http://x/?api_key={API_KEY}")
    finally:
        logger.removeHandler(handler)
    (record,) = record_holder
    assert API_KEY not in record.getMessage()
    assert record.exc_text is not None and API_KEY not in record.exc_text
    assert "boom ***" in record.exc_text


@pytest.mark.parametrize("verbosity", ["-v", "-vv", "-vvv"])
def test_cli_never_prints_the_key(replay: ReplayServer, tmp_path: Path, verbosity: str) -> None:
    db = tmp_path / "r.duckdb"
    replay.fail("/release/series", match="release_id=18", status=503, times=-1)  # DGS2, DGS10
    replay.fail("/fred/series", match="series_id=VIXCLS", status=200, body=b"{oops")
    replay.fail("/fredgraph.csv", status=200, hang=3, times=1)
    env = cli_env(
        replay,
        db,
        LIQUIDITY_FRED_API_KEY=API_KEY,
        LIQUIDITY_RETRY_ATTEMPTS="2",
        LIQUIDITY_HTTP_TIMEOUT="0.5",
    )
    done = run_cli([verbosity, "collect"], env)
    assert done.returncode == 1
    assert "DGS2" in done.stderr and "VIXCLS" in done.stderr
    assert API_KEY not in done.stdout and API_KEY not in done.stderr
    if verbosity == "-vv":
        assert "api_key=***" in done.stderr  # the debug log shows the URL, masked
    with duckdb.connect(str(db), read_only=True) as con:
        stored = " ".join(str(r) for r in con.execute("SELECT * FROM fetch_state").fetchall())
    assert "HTTP 503" in stored and API_KEY not in stored


def test_bad_key_error_does_not_contain_the_key(replay: ReplayServer, tmp_path: Path) -> None:
    bad = "zz-not-registered-key-0123456789"
    done = run_cli(
        ["-vv", "collect", "WALCL"],
        cli_env(replay, tmp_path / "b.duckdb", LIQUIDITY_FRED_API_KEY=bad),
    )
    assert done.returncode == 1
    assert "API key was rejected" in done.stderr and "LIQUIDITY_FRED_API_KEY" in done.stderr
    assert bad not in done.stderr and bad not in done.stdout


async def test_exception_text_is_clean(replay: ReplayServer, tmp_path: Path) -> None:
    replay.fail("/fred/release/series", status=500, times=-1)
    settings = make_settings(replay, tmp_path, fred_api_key=API_KEY, retry_attempts=1)
    store = DuckDBStore(":memory:")
    report = await collect(collect_config(settings), store, ["WALCL"])
    store.close()
    (failed,) = report.failures
    assert failed.error is not None and "HTTP 500" in failed.error
    assert API_KEY not in failed.error
