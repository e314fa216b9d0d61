"""FRED's ``units`` text per series symbol, kept in a small JSON file beside the user's data.

A keyed FRED entry without ``unit =`` takes FRED's unit, and the catalog needs it when it
loads (formula units, the canonical scale), before any collect: asking FRED on every
command would cost a request per entry at 2 a second. The first unit seen stays: it is
the series' canonical unit, the scale its stored values are in, so it is never refreshed
behind the user's back (each keyed collect checks FRED's unit against it anyway,
``sources.fred_api.unit_factor``, converting a new scale and refusing a new dimension).
The path is a parameter; the composition root resolves it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

VERSION = 1


def read(path: Path) -> dict[str, str]:
    """Symbol -> FRED's units text; empty when the file is absent or unreadable (then
    FRED is asked again and the file rewritten: a cache is never a reason to fail)."""
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    units = doc.get("fred_units") if isinstance(doc, dict) else None
    if not isinstance(units, dict):
        return {}
    return {str(k): v for k, v in units.items() if isinstance(v, str)}


def write(path: Path, units: dict[str, str]) -> None:
    """Replace the file atomically (a concurrent reader sees the old or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"version": VERSION, "fred_units": dict(sorted(units.items()))}, indent=1)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(body + "\n", "utf-8")
    temporary.replace(path)
