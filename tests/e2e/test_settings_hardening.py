"""Bad settings stop at load with one line naming the setting or the file, never a secret.

Issue 14, items 1 (a settings file that cannot be read), 7 (Redis URL) and 11 (source URLs).
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from redis.connection import parse_url

from liquidity.config import Settings, load_settings
from liquidity.errors import ConfigError
from tests.support.cli import cli_env, run_cli
from tests.support.replay import ReplayServer
from tests.support.settings import API_KEY

SOURCE_URLS = ["fred_api_url", "fred_graph_url", "yahoo_url", "nyfed_url", "treasury_url"]
URL_SETTINGS = [*SOURCE_URLS, "discord_webhook_url"]


def secret() -> str:
    return f"s3cret{uuid.uuid4().hex}"


def assert_one_clean_error(
    done: subprocess.CompletedProcess[str], *secrets: str, says: tuple[str, ...]
) -> None:
    """Exit non-zero, exactly one line on stderr and it is the error, nothing leaked."""
    out = done.stdout + done.stderr
    assert done.returncode != 0, out
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert out.count("error:") == 1
    assert "Traceback" not in out and "unexpected" not in out
    for value in secrets:
        assert value not in out
    for part in says:
        assert part in done.stderr, done.stderr


def setting_error(name: str, value: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(f"LIQUIDITY_{name.upper()}", value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert f"LIQUIDITY_{name.upper()}" in message and "\n" not in message
    return message


# --- 1. a settings file that cannot be read ---------------------------------------------


@pytest.mark.parametrize("verbose", [[], ["-vv"]])
def test_dotenv_not_utf8_names_the_file_and_line_not_its_secrets(
    replay: ReplayServer, tmp_path: Path, verbose: list[str]
) -> None:
    """The issue's own case: a latin-1 comment above the secrets (cwd is tmp_path)."""
    password, hook = secret(), secret()
    (tmp_path / ".env").write_bytes(
        b"# Caf\xe9\n"
        + f"LIQUIDITY_REDIS_URL=redis://:{password}@127.0.0.1:6379/12\n".encode()
        + f"LIQUIDITY_DISCORD_WEBHOOK_URL=https://discord.com/api/webhooks/1/{hook}\n".encode()
    )
    done = run_cli([*verbose, "status"], cli_env(replay, tmp_path / "s.duckdb"))
    assert_one_clean_error(
        done, password, hook, says=(str(tmp_path / ".env"), "not UTF-8 at line 1")
    )


def test_dotenv_bad_byte_inside_a_secret_gives_its_line(tmp_path: Path) -> None:
    password = secret()
    (tmp_path / ".env").write_bytes(
        b"LIQUIDITY_METRICS_PORT=9200\n\n"
        + f"LIQUIDITY_REDIS_URL=redis://:{password}\xe9@127.0.0.1:6379/0\n".encode("latin-1")
    )
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value) == f"settings file {tmp_path / '.env'}: not UTF-8 at line 3"
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_dotenv_read_error_names_the_file(tmp_path: Path) -> None:
    """A read that fails (EIO here: this runs as root, so no permission error is possible)."""
    if not Path("/proc/self/mem").is_file():
        pytest.skip("no /proc/self/mem to fail a read")
    (tmp_path / ".env").symlink_to("/proc/self/mem")
    with pytest.raises(ConfigError, match=r"settings file .*\.env: cannot read it \("):
        load_settings()


@pytest.mark.parametrize("verbose", [[], ["-vv"]])
def test_secret_file_not_utf8_names_the_file_and_line(
    replay: ReplayServer, tmp_path: Path, verbose: list[str]
) -> None:
    """Today: `unexpected SettingsError`, and with -vv a traceback quoting the file."""
    password = secret()
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "LIQUIDITY_REDIS_URL").write_bytes(
        f"redis://:{password}\xe9@127.0.0.1:6379/0\n".encode("latin-1")
    )
    env = cli_env(replay, tmp_path / "s.duckdb", LIQUIDITY_SECRETS_DIR=str(secrets))
    done = run_cli([*verbose, "status"], env)
    file = secrets / "LIQUIDITY_REDIS_URL"
    assert_one_clean_error(done, password, says=(f"secret file {file}: not UTF-8 at line 1",))


def sops_printing(tmp_path: Path, output: bytes) -> Path:
    """A stand-in for `sops --decrypt` that prints ``output`` (see tests/e2e/test_sops.py)."""
    script = tmp_path / "sops"
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.stdout.buffer.write({output!r})\n")
    script.chmod(0o755)
    return script


@pytest.mark.parametrize(
    ("line", "output"),
    [(2, b'{\n"fred_api_key": "%s\xe9"}'), (3, b'{\n"fred_api_key":\n"%s",}')],
    ids=["not-utf8", "not-json"],
)
def test_sops_output_that_cannot_be_read_names_the_file_and_line(
    replay: ReplayServer, tmp_path: Path, line: int, output: bytes
) -> None:
    key = secret()
    encrypted = tmp_path / "secrets.enc.json"
    encrypted.write_text("{}")
    sops = sops_printing(tmp_path, output.replace(b"%s", key.encode()))
    env = cli_env(
        replay,
        tmp_path / "s.duckdb",
        LIQUIDITY_SECRETS_FILE=str(encrypted),
        LIQUIDITY_SOPS_BINARY=str(sops),
    )
    done = run_cli(["-vv", "status"], env)
    assert_one_clean_error(done, key, says=(str(encrypted), f"line {line}"))


def test_sops_binary_that_cannot_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    encrypted = tmp_path / "secrets.enc.json"
    encrypted.write_text("{}")
    monkeypatch.setenv("LIQUIDITY_SECRETS_FILE", str(encrypted))
    monkeypatch.setenv("LIQUIDITY_SOPS_BINARY", str(tmp_path))  # a directory: EACCES
    with pytest.raises(ConfigError, match=r"cannot run .* \(Permission denied\)"):
        load_settings()


def test_environment_value_not_utf8_is_refused_by_name(
    replay: ReplayServer, tmp_path: Path
) -> None:
    """os.environ keeps the bad byte as a lone surrogate; today Redis's encoder fails later
    with `unexpected UnicodeEncodeError('utf-8', '<the password>', ...)`."""
    password = secret()
    url = f"redis://:{password}\udce9@127.0.0.1:6379/0"  # the byte 0xE9 in the environment
    done = run_cli(["status"], cli_env(replay, tmp_path / "s.duckdb", LIQUIDITY_REDIS_URL=url))
    assert_one_clean_error(done, password, says=("LIQUIDITY_REDIS_URL: not UTF-8",))


# --- 7. the Redis URL -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("redis://:{pw}@127.0.0.1:6379/abc", "the db after the port must be a number"),
        ("redis://:{pw}@127.0.0.1:6379/1/2", "the db after the port must be a number"),
        ("redis://:{pw}@127.0.0.1:6379/-1", "the db after the port must be a number"),
        ("redis://:{pw}@127.0.0.1:6379?db=-1", "the db must be 0 or more"),
        ("redis://:{pw}@127.0.0.1:6379?db=x", "?db= has an invalid value"),
        ("redis://:{pw}@127.0.0.1/0?socket_timeout=x", "?socket_timeout= has an invalid value"),
        ("notaurl{pw}", "must start with redis://, rediss:// or unix://"),
        ("http://:{pw}@127.0.0.1:6379/0", "must start with redis://, rediss:// or unix://"),
        ("redis://:{pw}@/0", "has no host"),
        ("redis://:{pw}@127.0.0.1:abc/0", "port must be a number from 1 to 65535"),
        ("redis://:{pw}@127.0.0.1:99999/0", "port must be a number from 1 to 65535"),
        ("redis://:{pw}@127.0.0.1:0/0", "port must be a number from 1 to 65535"),
        ("redis://:{pw}/x@127.0.0.1:6379/0", "%2F"),  # a raw / ends the host: "port" is pw
        ("unix://:{pw}@", "has no socket path"),
    ],
)
def test_bad_redis_url_names_the_setting_not_the_password(
    monkeypatch: pytest.MonkeyPatch, url: str, reason: str
) -> None:
    password = secret()
    message = setting_error("redis_url", url.format(pw=password), monkeypatch)
    assert reason in message
    assert password not in message


@pytest.mark.parametrize(
    ("url", "db"),
    [
        ("redis://127.0.0.1:6379/12", 12),
        ("redis://127.0.0.1:6379/", 0),
        ("redis://localhost", 0),
        ("rediss://user:p%40ss@redis.example:6380/3", 3),
        ("redis://[::1]:6379?db=5", 5),
        ("unix:///run/redis/redis.sock?db=2", 2),
    ],
)
def test_good_redis_urls_load_and_keep_their_db(
    monkeypatch: pytest.MonkeyPatch, url: str, db: int
) -> None:
    monkeypatch.setenv("LIQUIDITY_REDIS_URL", url)
    settings = load_settings()
    assert settings.redis_url is not None and settings.redis_url.get_secret_value() == url
    assert parse_url(url).get("db", 0) == db  # what the client will select


@pytest.mark.parametrize(
    ("url", "reason"),
    [("redis://:{pw}@127.0.0.1:6379/abc", "db"), ("notaurl{pw}", "must start with redis://")],
)
def test_cli_refuses_a_bad_redis_url_before_anything_runs(
    replay: ReplayServer, tmp_path: Path, url: str, reason: str
) -> None:
    """Today: the first publishes to db 0 in silence, the second is `unexpected ValueError`."""
    password = secret()
    env = cli_env(replay, tmp_path / "s.duckdb", LIQUIDITY_REDIS_URL=url.format(pw=password))
    done = run_cli(["collect", "WALCL"], env)
    assert_one_clean_error(done, password, says=("LIQUIDITY_REDIS_URL", reason))
    assert replay.count("/") == 0  # nothing was fetched


# --- 11. source URLs (and every other URL setting) --------------------------------------------


def test_every_url_setting_is_checked() -> None:
    """A URL setting added later without a check fails here."""
    assert {n for n in Settings.model_fields if n.endswith("_url")} == {*URL_SETTINGS, "redis_url"}


@pytest.mark.parametrize("name", URL_SETTINGS)
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("ftp://x", "must start with http:// or https://"),
        ("notaurl", "must start with http:// or https://"),
        ("http://", "has no host"),
        ("http:x", "has no host"),
        ("https://exa mple.com/api", "invalid international domain name"),
        ("http://127.0.0.1:99999/fred", "invalid port number"),
        ("http://127.0.0.1:0/fred", "port must be 1 to 65535"),
        ("http://127.0.0.1/\nx", "not a valid URL"),
    ],
)
def test_bad_url_setting_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, reason: str
) -> None:
    message = setting_error(name, value, monkeypatch)
    assert reason in message
    assert value not in message  # the webhook's URL is its secret


@pytest.mark.parametrize("name", SOURCE_URLS)
def test_empty_source_url_is_refused(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    assert "must start with http:// or https://" in setting_error(name, "", monkeypatch)


@pytest.mark.parametrize("name", URL_SETTINGS)
@pytest.mark.parametrize(
    "value", ["http://127.0.0.1:8080/fred", "https://discord.com/api/webhooks/1/x", "HTTPS://X.ORG"]
)
def test_good_url_settings_load_unchanged(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"LIQUIDITY_{name.upper()}", value)
    loaded = getattr(load_settings(), name)
    assert (loaded if isinstance(loaded, str) else loaded.get_secret_value()) == value
    assert httpx.URL(value).host  # and the client reads it as we did


@pytest.mark.parametrize("value", ["", "ftp://x"])
def test_cli_refuses_a_bad_source_url_at_once(
    replay: ReplayServer, tmp_path: Path, value: str
) -> None:
    """Today: 4 retries and 17 s, then `UnsupportedProtocol` without the setting's name."""
    # The keyed API uses this URL.
    env = cli_env(
        replay, tmp_path / "s.duckdb", LIQUIDITY_FRED_API_URL=value, LIQUIDITY_FRED_API_KEY=API_KEY
    )
    done = run_cli(["collect", "WALCL"], env, timeout=60)
    assert_one_clean_error(done, says=("LIQUIDITY_FRED_API_URL", "http:// or https://"))
    assert replay.count("/") == 0
