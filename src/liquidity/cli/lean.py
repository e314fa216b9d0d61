"""Imports a CLI process never needs, refused so that every command starts faster.

httpx imports its own command line (``httpx._main``: click, rich.syntax, pygments) when
those happen to be installed, and falls back when that import fails; typer and rich make
them installed here. Refusing it saves ~0.15 s and ~4 MB on each command that talks to
a source. Only the ``liquidity`` process does this: a program that imports the library
keeps its own interpreter as it is.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

REFUSED = frozenset({"httpx._main"})


class Refuse(MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname in REFUSED:
            raise ModuleNotFoundError(f"{fullname}: not needed by the liquidity CLI", name=fullname)
        return None


def install() -> None:
    if not any(isinstance(finder, Refuse) for finder in sys.meta_path):
        sys.meta_path.insert(0, Refuse())
