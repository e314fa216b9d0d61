"""purgatory, imported without dragging redis in.

purgatory's package imports redis only to name a type (``purgatory/service/_redis.py``
falls back to ``Any`` when redis is missing), which costs every process start ~0.3 s
and ~15 MB even when no Redis is configured. So, when nothing has imported redis yet,
redis is hidden for the length of purgatory's import. Its Redis repository imports redis
itself when one is built (``breakers``), so shared breakers work as before. The CLI
imports this before starting any thread, so no other import can see the hidden module.
"""

from __future__ import annotations

import sys

_REDIS = ("redis", "redis.asyncio")


def _import_without_redis() -> None:
    if "purgatory" in sys.modules or any(name in sys.modules for name in _REDIS):
        return
    for name in _REDIS:
        sys.modules[name] = None  # type: ignore[assignment]  # import of it raises
    try:
        import purgatory  # noqa: F401
    finally:
        for name in _REDIS:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


_import_without_redis()

from purgatory import AsyncCircuitBreakerFactory  # noqa: E402
from purgatory.domain.model import OpenedState  # noqa: E402

__all__ = ["AsyncCircuitBreakerFactory", "OpenedState"]
