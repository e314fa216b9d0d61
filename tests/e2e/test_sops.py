"""Settings from a SOPS-encrypted file.

No registry reachable here ships the `sops` binary (PyPI's `sops` is the 2018 Python
original without age; Debian bookworm has `age` but not `sops`), so:
- the error paths that need no sops (missing file, missing binary) run for real;
- our side of the process contract (arguments, exit status, stderr, JSON, precedence)
  runs against STAND-IN executables that behave as `sops --decrypt --output-type json`
  does on success and on a wrong key (its real message);
- a real round trip (`sops --encrypt --age`, then decrypt) runs where `sops` and
  `age-keygen` are installed, and is skipped otherwise.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from liquidity.config import load_settings
from liquidity.errors import ConfigError
from tests.support.cli import cli_env, run_cli
from tests.support.replay import ReplayServer
from tests.support.settings import API_KEY

WRONG_KEY = "Failed to get the data key required to decrypt the SOPS file."


def stand_in(tmp_path: Path, document: dict[str, str] | None) -> Path:
    """An executable answering like sops: the document as JSON, or sops's wrong-key error."""
    script = tmp_path / "sops"
    if document is None:
        body = f"import sys\nsys.stderr.write({WRONG_KEY!r} + '\\n')\nsys.exit(128)\n"
    else:
        body = (
            "import json, sys\n"
            "assert sys.argv[1:4] == ['--decrypt', '--output-type', 'json'], sys.argv\n"
            f"print(json.dumps({document!r}))\n"
        )
    script.write_text(f"#!{sys.executable}\n{body}")
    script.chmod(0o755)
    return script


@pytest.fixture
def secrets_file(tmp_path: Path) -> Path:
    path = tmp_path / "secrets.enc.yaml"
    path.write_text("fred_api_key: ENC[AES256_GCM,data:...]\nsops: {}\n")  # opaque to us
    return path


def test_values_come_through_below_env_vars(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, secrets_file: Path
) -> None:
    doc = {"LIQUIDITY_FRED_API_KEY": "from-sops", "metrics_port": "9400", "unknown": "x"}
    monkeypatch.setenv("LIQUIDITY_SOPS_BINARY", str(stand_in(tmp_path, doc)))
    monkeypatch.setenv("LIQUIDITY_SECRETS_FILE", str(secrets_file))
    settings = load_settings()
    assert settings.fred_api_key is not None
    assert settings.fred_api_key.get_secret_value() == "from-sops"
    assert settings.metrics_port == 9400
    monkeypatch.setenv("LIQUIDITY_METRICS_PORT", "9500")
    assert load_settings().metrics_port == 9500  # the environment wins


def test_wrong_key_is_one_line_naming_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, secrets_file: Path
) -> None:
    monkeypatch.setenv("LIQUIDITY_SOPS_BINARY", str(stand_in(tmp_path, None)))
    monkeypatch.setenv("LIQUIDITY_SECRETS_FILE", str(secrets_file))
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert str(secrets_file) in message and "could not decrypt" in message
    assert "exit 128" in message and WRONG_KEY in message and "\n" not in message


def test_missing_binary_and_missing_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LIQUIDITY_SECRETS_FILE", str(tmp_path / "nope.yaml"))
    with pytest.raises(ConfigError, match="no such file"):
        load_settings()
    present = tmp_path / "present.yaml"
    present.write_text("x: y\n")
    monkeypatch.setenv("LIQUIDITY_SECRETS_FILE", str(present))
    monkeypatch.setenv("LIQUIDITY_SOPS_BINARY", str(tmp_path / "not-installed" / "sops"))
    with pytest.raises(ConfigError, match="is not installed") as info:
        load_settings()
    assert str(present) in str(info.value)


def test_cli_uses_the_decrypted_key_and_never_prints_it(
    replay: ReplayServer, tmp_path: Path, secrets_file: Path
) -> None:
    sops = stand_in(tmp_path, {"fred_api_key": API_KEY})
    env = cli_env(
        replay,
        tmp_path / "s.duckdb",
        LIQUIDITY_SECRETS_FILE=str(secrets_file),
        LIQUIDITY_SOPS_BINARY=str(sops),
    )
    done = run_cli(["-vv", "collect", "WALCL"], env)
    assert done.returncode == 0, done.stderr
    assert replay.count("/fred/release/series") == 1  # the keyed API: the key arrived
    assert replay.statuses.count(200) == len(replay.statuses)
    assert API_KEY not in done.stdout + done.stderr
    bad = run_cli(["status"], {**env, "LIQUIDITY_SOPS_BINARY": str(stand_in(tmp_path, None))})
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1
    assert str(secrets_file) in bad.stderr


@pytest.mark.skipif(
    not (shutil.which("sops") and shutil.which("age-keygen")),
    reason="the real sops and age-keygen are not installed (no registry here ships sops)",
)
def test_real_sops_round_trip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = tmp_path / "key.txt"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    recipient = next(
        line.split(": ")[1] for line in key.read_text().splitlines() if "public key" in line
    )
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"fred_api_key": "real-sops-secret"}))
    encrypted = tmp_path / "secrets.enc.json"
    out = subprocess.run(
        ["sops", "--encrypt", "--age", recipient, str(plain)], check=True, capture_output=True
    )
    encrypted.write_bytes(out.stdout)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(key))
    monkeypatch.setenv("LIQUIDITY_SECRETS_FILE", str(encrypted))
    settings = load_settings()
    assert settings.fred_api_key is not None
    assert settings.fred_api_key.get_secret_value() == "real-sops-secret"
