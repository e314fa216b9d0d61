"""Full collect and incremental refresh of the nine FRED series, ours against the peers,
from the replay server with injected latency and FRED's 2/s limit enforced (429s)."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from bench.common import (
    API_KEY,
    BIN,
    FRED_IDS,
    LATENCY,
    RUNS,
    Child,
    ReplayServer,
    Stat,
    clean_env,
    floor_seconds,
    run_child,
    served_rows,
)

H41 = ["WALCL", "WLRRAL", "WDTGAL", "WTREGEN"]
# FRED counts requests per key in a 1 s window, across processes: a run started less
# than that after the previous one's last request would inherit its requests (and be
# answered 429 for them). Each run starts with the window empty, outside its timing.
WINDOW = 1.0


def fresh_window(server: ReplayServer) -> None:
    time.sleep(WINDOW)
    server.reset_counts()


@dataclass
class Row:
    """One tool's figures over its runs."""

    name: str
    wall: Stat = field(default_factory=Stat)
    requests: Stat = field(default_factory=Stat)
    rate_limited: Stat = field(default_factory=Stat)
    rows: Stat = field(default_factory=Stat)
    rss: Stat = field(default_factory=Stat)
    served: int = 0
    note: str = ""
    errors: list[str] = field(default_factory=list)

    def record(self, child: Child, server: ReplayServer, rows: int) -> None:
        self.wall.add(child.wall)
        self.requests.add(len(server.statuses))
        self.rate_limited.add(server.statuses.count(429))
        self.rows.add(rows)
        self.rss.add(child.max_rss_mb)

    @property
    def floor(self) -> float:
        """The floor for the requests this tool needed (those not answered 429)."""
        return floor_seconds(round(self.requests.median - self.rate_limited.median))


def ours_env(server: ReplayServer, db: Path, keyed: bool) -> dict[str, str]:
    env = clean_env(**server.env(), LIQUIDITY_DUCKDB_PATH=str(db))
    if keyed:
        env["LIQUIDITY_FRED_API_KEY"] = API_KEY
    return env


def stored_rows(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        [(n,)] = con.execute(
            "SELECT count(*) FROM observations WHERE list_contains(?, series_id)", [FRED_IDS]
        ).fetchall()
    return int(n)


def run_ours(server: ReplayServer, db: Path, keyed: bool, args: list[str] | None = None) -> Child:
    fresh_window(server)
    child = run_child(
        [str(BIN / "liquidity"), "collect", *(args or FRED_IDS)], ours_env(server, db, keyed)
    )
    if child.returncode != 0:
        raise RuntimeError(f"liquidity collect failed: {child.stderr[-2000:]}")
    return child


def full_collect_ours(server: ReplayServer, work: Path, keyed: bool) -> Row:
    row = Row(f"liquidity collect ({'keyed' if keyed else 'keyless'})")
    # Keyed too takes its values from fredgraph.csv (the API gives metadata).
    row.served = served_rows(server, keyless=True)
    for run in range(RUNS):
        db = work / f"ours-{keyed}-{run}.duckdb"
        child = run_ours(server, db, keyed)
        row.record(child, server, stored_rows(db))
    return row


def full_collect_peer(server: ReplayServer, peer: str, runs: int, note: str = "") -> Row:
    row = Row(peer, served=served_rows(server, keyless=False), note=note)
    script = Path(__file__).parent / "peers" / f"{peer}_collect.py"
    for _ in range(runs):
        fresh_window(server)
        child = run_child(
            [str(BIN / "python"), str(script), f"{server.url}/fred", API_KEY, ",".join(FRED_IDS)],
            clean_env(OPENBB_FRED_DISK_CACHE="0"),
        )
        try:
            out = json.loads(child.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise RuntimeError(f"{peer} failed: {child.stderr[-2000:]}") from None
        row.record(child, server, int(out["rows"]))
        row.errors = out["errors"]
    return row


def new_release(server: ReplayServer, run: int) -> None:
    """One H.4.1 release: a new Wednesday for its four series and a new ``last_updated``."""
    for sid in H41:
        last_day, last_value = server.data.api_rows(sid)[-1]
        server.data.revise(sid, "2026-08-12", last_value)
        assert last_day < "2026-08-12"
        server.data.last_updated[sid] = f"2026-08-13 15:30:{run:02d}-05"


def refresh(server: ReplayServer, work: Path, keyed: bool) -> tuple[Row, Row]:
    """(nothing new, one weekly release) on top of a first full collect."""
    kind = "keyed" if keyed else "keyless"
    base = work / f"refresh-base-{kind}.duckdb"
    run_ours(server, base, keyed)
    same, one = Row(f"liquidity collect ({kind})"), Row(f"liquidity collect ({kind})")
    saved = (
        {s: list(server.data.api_rows(s)) for s in H41},
        {s: list(server.data.csv_rows(s)) for s in H41},
        dict(server.data.last_updated),
    )
    for run in range(RUNS):
        db = work / f"refresh-{kind}-{run}.duckdb"
        shutil.copy(base, db)
        same.record(run_ours(server, db, keyed), server, 0)
        new_release(server, run)
        one.record(run_ours(server, db, keyed), server, 0)
        server.data.api.update({s: list(r) for s, r in saved[0].items()})
        server.data.csv.update({s: list(r) for s, r in saved[1].items()})
        server.data.last_updated = dict(saved[2])
    return same, one


def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="liquidity-bench-"))


__all__ = ["LATENCY", "Row", "full_collect_ours", "full_collect_peer", "refresh", "workdir"]
