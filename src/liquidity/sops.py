"""Settings from a SOPS-encrypted file (``LIQUIDITY_SECRETS_FILE``), as a pydantic-settings source.

The file is any format ``sops`` encrypts (YAML, JSON, dotenv); its keys are
setting names (``fred_api_key``) or their env names (``LIQUIDITY_FRED_API_KEY``).
We run the real ``sops -d --output-type json`` (``LIQUIDITY_SOPS_BINARY``,
default ``sops``): it finds the age key the usual way (``SOPS_AGE_KEY_FILE``,
``SOPS_AGE_KEY``, ``~/.config/sops/age/keys.txt``). Every failure is a one-line
``ConfigError`` naming the file, never a decrypted value.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from liquidity.errors import ConfigError, unreadable

FILE_ENV = "LIQUIDITY_SECRETS_FILE"
BINARY_ENV = "LIQUIDITY_SOPS_BINARY"
TIMEOUT = 30.0


def decrypt(path: Path, binary: str = "sops") -> dict[str, Any]:
    """The decrypted document as a dict."""
    where = f"{FILE_ENV} {path}"
    if not path.is_file():
        raise ConfigError(f"{where}: no such file")
    try:
        done = subprocess.run(
            [binary, "--decrypt", "--output-type", "json", str(path)],
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise ConfigError(
            f"{where}: `{binary}` is not installed; install sops (see README, Secrets) "
            f"or set {BINARY_ENV}"
        ) from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"{where}: sops did not answer in {TIMEOUT:g}s") from None
    except OSError as exc:  # e.g. not executable
        raise ConfigError(f"{where}: cannot run `{binary}` ({exc.strerror})") from None
    if done.returncode != 0:
        # sops's own message (no plaintext: it failed to decrypt), first line only.
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise ConfigError(
            f"{where}: sops could not decrypt it (exit {done.returncode}"
            + (f": {reason[-1][:200]}" if reason else "")
            + "); is the age key available?"
        )
    try:
        text = done.stdout.decode("utf-8")
    except UnicodeDecodeError as exc:  # its text would be the decrypted document
        raise unreadable(f"{where}: sops output", exc) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:  # its message has positions only; ours has the line
        raise ConfigError(f"{where}: sops output is not JSON (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping of settings")
    return data


class SopsSettingsSource(PydanticBaseSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        value = os.environ.get(FILE_ENV)
        self.path = Path(value) if value else None
        self.binary = os.environ.get(BINARY_ENV) or "sops"

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything happens in __call__

    def __call__(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        fields = self.settings_cls.model_fields
        out = {}
        for key, value in decrypt(self.path, self.binary).items():
            name = str(key).lower().removeprefix("liquidity_")
            if name in fields:
                out[name] = value
        return out
