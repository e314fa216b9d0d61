from __future__ import annotations

from pathlib import Path

import pytest

from liquidity.config import load_settings
from liquidity.errors import ConfigError


def test_defaults_follow_the_design(tmp_path: Path) -> None:
    s = load_settings()
    assert s.fred_api_key is None
    assert s.fred_api_url == "https://api.stlouisfed.org/fred"
    assert s.fred_graph_url == "https://fred.stlouisfed.org/graph/fredgraph.csv"
    assert s.yahoo_url == "https://query1.finance.yahoo.com"
    assert s.store == "duckdb"
    assert s.duckdb_path == tmp_path / "xdg" / "liquidity" / "liquidity.duckdb"
    assert (s.questdb_host, s.questdb_http_port, s.questdb_pg_port) == ("127.0.0.1", 9000, 8812)
    assert s.redis_url is None and s.discord_webhook_url is None
    assert s.metrics_port == 9108
    assert (s.fred_requests_per_second, s.fred_requests_per_minute) == (2.0, 120.0)


def test_env_dotenv_and_secrets_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LIQUIDITY_METRICS_PORT=9200\nLIQUIDITY_STORE=duckdb\n")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "LIQUIDITY_FRED_API_KEY").write_text("s3cr3t-from-file")
    monkeypatch.setenv("LIQUIDITY_SECRETS_DIR", str(secrets))
    monkeypatch.setenv("LIQUIDITY_LOOKBACK_DAYS", "3")
    s = load_settings()
    assert s.metrics_port == 9200
    assert s.lookback_days == 3
    assert s.fred_api_key is not None
    assert s.fred_api_key.get_secret_value() == "s3cr3t-from-file"
    assert "s3cr3t" not in repr(s)


def test_env_overrides_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LIQUIDITY_METRICS_PORT=9200\n")
    monkeypatch.setenv("LIQUIDITY_METRICS_PORT", "9300")
    assert load_settings().metrics_port == 9300


def test_bad_setting_is_one_line_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQUIDITY_STORE", "sqlite-please")
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert "LIQUIDITY_STORE" in message and "\n" not in message
    assert "sqlite-please" not in message  # inputs are never echoed: they may be secrets


def test_missing_secrets_dir_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LIQUIDITY_SECRETS_DIR", str(tmp_path / "nope"))
    with pytest.raises(ConfigError, match="LIQUIDITY_SECRETS_DIR"):
        load_settings()


def test_secret_files_are_stripped_and_empty_means_unset(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "LIQUIDITY_FRED_API_KEY").write_text("key-with-newline\n")
    (secrets / "LIQUIDITY_DISCORD_WEBHOOK_URL").write_text("\n")
    monkeypatch.setenv("LIQUIDITY_SECRETS_DIR", str(secrets))
    s = load_settings()
    assert s.fred_api_key is not None and s.fred_api_key.get_secret_value() == "key-with-newline"
    assert s.discord_webhook_url is None
