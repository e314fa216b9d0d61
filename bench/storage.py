"""Storage: ingest rate for 1 million observations through each store's ``write``, and
as-of Net Liquidity over 20 years of weekly data with 10 vintages per date.

The million: 100 daily series of 10,000 days each (1999-08 to 2026-12, about the history
FRED has for most daily series), written 10 series per write, so 10 writes of 100,000 rows.
Until November 2026 it was 10 series of 100,000 consecutive days from 1970: 274 years, no
real series has that; in QuestDB (partitioned by YEAR) every write then touched 274
partitions, and applying that WAL was most of the time measured (28 partitions now).

QuestDB: the server ``LIQUIDITY_TEST_QUESTDB_URL`` names, else the real QuestDB 8.0.3 of
``shared/questdb`` beside the repository, started here on free loopback ports and stopped
afterwards (the tests' own helper, ``tests/support/questdb_server.py``); the store itself, without
the spool, in tables of its own that are dropped afterwards. A write returns once QuestDB
has it in its WAL, and the server applies it while the next one is prepared; the clock stops
once the last is applied (``settle``), so rows/s counts rows queryable.

``make bench`` writes this section into RESULTS.md; ``python -m bench.storage`` (from the
repository root, in a venv with ``liquidity[questdb]``) prints it alone.
"""

from __future__ import annotations

import re
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.support import questdb_server

from bench.common import GOALS, RUNS, Stat, goal
from liquidity.config import Settings
from liquidity.models import Observation
from liquidity.query import net_liquidity
from liquidity.storage.duckdb import DuckDBStore
from liquidity.window import Window

SERIES = 100
PER_SERIES = 10_000  # 100 x 10k = 1 million observations: 27 years of daily data each
PER_WRITE = 10  # series per write: 10 writes of 100k rows
FIRST_DAY = date(1999, 8, 6)  # the last of the 10,000 days is 2026-12-21
WEEKS = 20 * 52 + 1
VINTAGES = 10
TARGET_INGEST, TARGET_ASOF_S = 500_000, 0.05
# Measured on 2026-11-30 (pyinstrument, the server's log); printed only when missed.
WHY_QUESTDB = (
    "the server is the limit: per million rows it spends ~1.1 s parsing ILP text (~150 B a "
    "row) and ~2.3 s applying 10 WAL transactions, each merged into every partition it "
    "touches; our client ~1 s of CPU (columns, classification, serializing). The client "
    "alone, sending the same prebuilt rows in 10 writes, reaches 270-370k rows/s; the same "
    "million in 2 transactions 590-620k. What would close it: fewer, larger transactions (a "
    "collect writing one batch a run, not one a series), or QuestDB 9's binary ILP"
)


def million() -> list[list[Observation]]:
    """10 batches of 10 series each, series after series (as a collect of one release's
    series gets them), each series 10,000 consecutive days."""
    days = [FIRST_DAY + timedelta(days=i) for i in range(PER_SERIES)]
    known = datetime(2027, 1, 1, tzinfo=UTC)
    return [
        [
            Observation(f"S{s}", day, float(i), day, known, "bench")
            for s in range(first, first + PER_WRITE)
            for i, day in enumerate(days)
        ]
        for first in range(0, SERIES, PER_WRITE)
    ]


def ingest(make_store: Callable[[Path], Any], runs: int = 3) -> Stat:
    batches = million()
    rate = Stat()
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            store = make_store(Path(tmp) / "ingest.duckdb")
            began = time.perf_counter()
            for batch in batches:
                store.write(batch)
            getattr(store, "settle", lambda: None)()  # QuestDB: until every row is queryable
            rate.add(SERIES * PER_SERIES / (time.perf_counter() - began))
            store.close()
    return rate


def vintages() -> list[Observation]:
    """WALCL, WLRRAL, WDTGAL on 20 years of Wednesdays, each date revised 10 times."""
    out = []
    first = date(2006, 1, 4)
    for week in range(WEEKS):
        day = first + timedelta(weeks=week)
        for v in range(VINTAGES):
            seen = day + timedelta(days=1 + 7 * v)
            known = datetime.combine(seen, dtime(21, 30), UTC)
            for sid, base in (("WALCL", 8e6), ("WLRRAL", 5e5), ("WDTGAL", 7e5)):
                out.append(Observation(sid, day, base + week + v, seen, known, "bench"))
    return out


def as_of_query(make_store: Callable[[Path], Any]) -> tuple[Stat, int, int]:
    """(seconds per as-of Net Liquidity query, rows stored, rows answered)."""
    rows = vintages()
    took = Stat()
    with tempfile.TemporaryDirectory() as tmp:
        store = make_store(Path(tmp) / "asof.duckdb")
        for sid in ("WALCL", "WLRRAL", "WDTGAL"):
            store.write([o for o in rows if o.series_id == sid])
        as_of = datetime(2025, 6, 1, 12, tzinfo=UTC)
        answer = net_liquidity(store, "weekly", Window(as_of=as_of))  # warm-up
        for _ in range(RUNS * 4):
            began = time.perf_counter()
            net_liquidity(store, "weekly", Window(as_of=as_of))
            took.add(time.perf_counter() - began)
        store.close()
    return took, len(rows), len(answer)


def duckdb_store(path: Path) -> DuckDBStore:
    return DuckDBStore(path, threads=Settings.model_fields["duckdb_threads"].default)


@contextmanager
def questdb_backend() -> Iterator[tuple[Callable[[Path], Any] | None, str]]:
    """A QuestDB store factory and which server it writes to, or None and why not."""
    try:
        import questdb  # noqa: F401
    except ImportError as exc:
        yield None, f"questdb client not installed ({exc})"
        return
    named = questdb_server.from_env()
    if named is not None:
        yield partial(BenchQuestDB.open, named.url), f"{build(named.url)} at {named.url}"
        return
    why = questdb_server.unavailable()
    if why:
        yield None, f"{questdb_server.URL_ENV} not set and {why}"
        return
    with tempfile.TemporaryDirectory(prefix="bench-questdb-") as tmp:
        server = questdb_server.start(Path(tmp))
        try:
            label = f"{build(server.url)}, the real server from shared/questdb"
            yield partial(BenchQuestDB.open, server.url), label
        finally:
            questdb_server.stop(server)


def build(url: str) -> str:
    """The server's own account of its version: "Build Information: QuestDB 8.0.3, JDK ..."
    gives "QuestDB 8.0.3"."""
    from liquidity.storage.questdb_rest import QuestDBRest

    rest = QuestDBRest(url, timeout=10)
    try:
        text = str(rest.exec("SELECT build()")[0][0])
    finally:
        rest.close()
    found = re.search(r"QuestDB [\w.-]+", text)
    return found.group(0) if found else "QuestDB"


def section() -> list[str]:
    """Section 5 of RESULTS.md, measured now."""
    rate = ingest(duckdb_store)
    took, stored, answered = as_of_query(duckdb_store)
    ms = Stat([t * 1000 for t in took.values]).fmt()
    lines = [
        "",
        "## 5. Storage",
        "",
        "| backend | ingest rows/s (1 M rows, 10 writes) | "
        f"as-of Net Liquidity ms ({stored} rows, {answered} weeks) |",
        "|---|---|---|",
        f"| DuckDB | {rate.fmt(digits=0)} | {ms} |",
    ]
    with questdb_backend() as (factory, label):
        if factory is None:
            lines.append(f"| QuestDB | not run: {label} | not run |")
        else:
            q_rate = ingest(factory)
            q_took, _, _ = as_of_query(factory)
            q_ms = Stat([t * 1000 for t in q_took.values]).fmt(digits=2)
            lines.append(f"| {label} | {q_rate.fmt(digits=0)} | {q_ms} |")
            GOALS.append(
                goal(
                    f"QuestDB ingest at least {TARGET_INGEST:,} rows/s",
                    q_rate.median,
                    TARGET_INGEST,
                    f"{q_rate.median:,.0f} rows/s",
                    at_least=True,
                    why=WHY_QUESTDB,
                )
            )
            GOALS.append(
                goal(
                    f"QuestDB as-of Net Liquidity under {TARGET_ASOF_S * 1000:.0f} ms",
                    q_took.median,
                    TARGET_ASOF_S,
                    f"{q_took.median * 1000:.1f} ms",
                )
            )
    return [
        *lines,
        "",
        f"Ingest: {SERIES} daily series of {PER_SERIES:,} days ({FIRST_DAY:%Y-%m} on, about "
        "the history FRED has for a daily series), 10 series per write. Until November 2026 "
        "it was 10 series of 100,000 days from 1970: 274 years, which no series has, and 274 "
        "QuestDB YEAR partitions to apply per write, most of QuestDB's time then. QuestDB's "
        "clock stops once every row is queryable (its WAL applied), not when the last write "
        "returns.",
        "",
        f"Targets: ingest above {TARGET_INGEST:,} rows/s; as-of Net Liquidity under "
        f"{TARGET_ASOF_S * 1000:.0f} ms.",
        "",
    ]


class BenchQuestDB:
    """A ``QuestDBStore`` in tables of its own, dropped when closed."""

    @staticmethod
    def open(url: str, path: Path) -> Any:
        from liquidity.compose import questdb_config
        from liquidity.config import Settings
        from liquidity.storage.questdb import QuestDBStore

        parts = urlsplit(url)
        settings = Settings(
            _env_file=None,
            store="questdb",
            questdb_host=parts.hostname or "127.0.0.1",
            questdb_http_port=parts.port or 9000,
            questdb_tls=parts.scheme == "https",
            questdb_user=parts.username,
            questdb_password=parts.password,
            questdb_table_prefix=f"bench{uuid.uuid4().hex[:8]}_",
            spool_path=path.with_suffix(".spool"),
        )
        store = QuestDBStore(questdb_config(settings))
        store.init_schema()
        close = store.close

        def drop_then_close() -> None:
            for table in ("observations", "fetch_state", "cursors"):
                store.rest.exec(f"DROP TABLE IF EXISTS {settings.questdb_table_prefix}{table}")
            close()

        store.close = drop_then_close  # type: ignore[method-assign]
        return store


if __name__ == "__main__":
    print("\n".join(section()))
