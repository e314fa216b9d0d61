"""httpx, imported without its own command line. Checked against httpx 0.28.1.

httpx's ``__init__`` imports ``httpx._main`` (its CLI: click, rich.syntax, pygments) in a
``try`` and falls back to a stub ``main`` when that import fails; typer and rich make
those installed here. Refusing the import saves ~0.15 s and ~4 MB on each command that
talks to a source. Only the ``liquidity`` process does this (``cli/__init__.py`` calls
``refuse_own_cli``): a program that imports the library keeps its interpreter as it is.
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


def refuse_own_cli() -> None:
    """Make ``import httpx`` skip ``httpx._main`` in this process (idempotent)."""
    if not any(isinstance(finder, Refuse) for finder in sys.meta_path):
        sys.meta_path.insert(0, Refuse())
