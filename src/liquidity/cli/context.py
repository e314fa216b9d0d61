"""What every command shares: lazily built settings and store, error exits."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from liquidity.config import Settings
    from liquidity.redaction import Redactor
    from liquidity.storage.base import Store


@dataclass
class AppContext:
    verbose: int = 0
    _settings: Any = field(default=None, repr=False)
    _catalog: bool = field(default=False, repr=False)

    def settings(self, *, catalog: bool = True) -> Settings:
        """Settings and logging, built once, on first use (not for --help); with
        ``catalog``, the user's series and formulas installed too (a bad catalog exits 1)."""
        if self._settings is None:
            from liquidity.config import load_settings
            from liquidity.logs import configure

            self._settings = self.run(load_settings)
            configure(self.verbose, self.redactor(), as_json=self._settings.log_json)
        if catalog and not self._catalog:
            from liquidity.compose import install_catalog

            self.run(install_catalog, self._settings)
            self._catalog = True
        return self._settings  # type: ignore[no-any-return]

    @contextmanager
    def store(self, *, lean: bool = False) -> Iterator[Store]:
        """The configured store for the length of a ``with``; an error opening it exits 1.
        ``lean``: a command that mostly writes and then ends (``collect``)."""
        from dataclasses import replace

        from liquidity.compose import store_config
        from liquidity.storage import open_store

        settings = self.settings()
        config = replace(store_config(settings), lean=lean)
        store = self.run(open_store, config, lock_wait=settings.duckdb_lock_wait)
        try:
            yield store
        finally:
            store.close()

    def redactor(self) -> Redactor:
        from liquidity.redaction import Redactor

        secrets = self._settings.secret_values() if self._settings is not None else []
        return Redactor([*secrets, *_env_secrets()])

    def run(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a library call; a ``LiquidityError`` becomes one line on stderr and exit 1."""
        from liquidity.errors import LiquidityError

        try:
            return call(*args, **kwargs)
        except LiquidityError as exc:
            self.fail_with(str(exc))

    def fail_with(self, message: str) -> NoReturn:
        fail(self.redactor()(message))


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def report_unexpected(exc: BaseException) -> None:
    import traceback

    text = "".join(traceback.format_exception(exc)) if "-vv" in sys.argv else repr(exc)
    typer.echo(f"error: unexpected {_redact_env(text)}", err=True)


def _env_secrets() -> list[str]:
    # Secrets set in the environment, masked even when settings failed to load.
    import os

    names = ("FRED_API_KEY", "REDIS_URL", "DISCORD_WEBHOOK_URL", "QUESTDB_PASSWORD")
    return [os.environ.get(f"LIQUIDITY_{n}", "") for n in names]


def _redact_env(text: str) -> str:
    from liquidity.redaction import Redactor

    return Redactor(_env_secrets())(text)
