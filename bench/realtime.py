"""The real-time view: 20 years of daily Net Liquidity, each day as known that evening.

Synthetic rows shaped like the real ones (values are not real; only the time is
measured): WALCL and WTREGEN weekly on Wednesdays, known the Thursday after at 16:30
New York, each revised once a week later (two vintages per date); RRPONTSYD every
business day, known at 13:15 the same day. All in a DuckDB file store; the timing
covers the reads of every vintage and the one pass (``liquidity.query.realtime``).

Run from the repository root: ``python -m bench.realtime``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import Stat
from liquidity.catalog import default_catalog
from liquidity.models import Observation
from liquidity.query import realtime
from liquidity.storage.duckdb import DuckDBStore

FIRST, YEARS, RUNS = date(2006, 1, 4), 20, 7  # 2006-01-04 is a Wednesday
TARGET_S = 0.2
NY = ZoneInfo("America/New_York")


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, dtime(hour, minute), NY).astimezone(UTC)


def rows() -> list[Observation]:
    last = FIRST + timedelta(days=365 * YEARS)
    out: list[Observation] = []
    day, k = FIRST, 0
    while day <= last:
        if day.weekday() == 2:
            for sid, base in (("WALCL", 7_000_000.0), ("WTREGEN", 700_000.0)):
                first, revised = _at(day + timedelta(1), 16, 30), _at(day + timedelta(8), 16, 30)
                out.append(Observation(sid, day, base + k, first.date(), first, "fred"))
                out.append(Observation(sid, day, base + k + 1, revised.date(), revised, "fred"))
        if day.weekday() < 5:
            known = _at(day, 13, 15)
            out.append(Observation("RRPONTSYD", day, 500.0 + k % 97, day, known, "fred"))
        day, k = day + timedelta(1), k + 1
    return out


def measure(path: Path) -> tuple[Stat, int, int]:
    data = rows()
    store = DuckDBStore(path)
    try:
        for sid in ("WALCL", "WTREGEN", "RRPONTSYD"):
            store.write([o for o in data if o.series_id == sid])
        catalog = default_catalog()
        stat, days = Stat(), 0
        for _ in range(RUNS):
            began = time.perf_counter()
            days = len(realtime(store, catalog, "NETLIQ_DAILY"))
            stat.add(time.perf_counter() - began)
        return stat, len(data), days
    finally:
        store.close()


def section() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        stat, stored, days = measure(Path(tmp) / "bench.duckdb")
    ms = Stat([v * 1000 for v in stat.values])
    verdict = "meets" if stat.median < TARGET_S else "misses"
    return [
        "## Real-time view (`show NETLIQ_DAILY --realtime`)",
        "",
        f"{YEARS} years of daily Net Liquidity, {stored} stored rows (vintages included), "
        f"{days} days: {ms.fmt(' ms', 1)} median of {RUNS} runs, DuckDB file store; "
        f"{verdict} the {TARGET_S * 1000:.0f} ms target.",
    ]


if __name__ == "__main__":
    sys.stdout.write("\n".join(section()) + "\n")
