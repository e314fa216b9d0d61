"""Servers a test starts run on the real clock, even when the suite runs under ``faketime``.

CI runs the whole suite with the clock moved ahead (``faketime -f '+400d'``). libfaketime
rides on ``LD_PRELOAD``, which children inherit; a ``redis-server`` started that way hangs
inside libfaketime (``FAKETIME_SKIP_CMDS`` does not help). Servers are not what the moved
clock tests, so they start without it.
"""

from __future__ import annotations

import os


def real_clock_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) without libfaketime's variables."""
    env = dict(os.environ if base is None else base)
    for name in list(env):
        if name == "LD_PRELOAD" or name.startswith("FAKETIME"):
            del env[name]
    return env
