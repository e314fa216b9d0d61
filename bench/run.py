"""``make bench``: every figure measured in this run, written to bench/RESULTS.md.

Run from the repository root as ``python -m bench.run``: the replay server is the test
suite's own (``tests.support.replay``), imported as a package, no path patching."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bench import coldstart, collect, realtime, storage
from bench.common import GOALS, LATENCY, RATE, RUNS, floor_seconds, goal, start_server

OUT = Path(__file__).parent / "RESULTS.md"
OPENBB_RUNS = int(os.environ.get("BENCH_OPENBB_RUNS", "3"))
TARGET_RSS_MB = 110
TARGET_KEYLESS_S = 1.0
# Why a goal may be missed: measured on 2026-11-30 (timeline of one keyed collect, RSS
# read at each step, pyinstrument), printed beside a goal only when this run misses it.
WHY_KEYED = (
    "6 requests (5 releases' metadata, 1 fredgraph.csv) are 3 windows of FRED's 2/s: 2 s, "
    "plus the limiter's hold of one round trip per window (~0.1 s); before the first "
    "request the process spends ~0.42 s (imports ~0.29 s, opening DuckDB and reading the "
    "series' states ~0.13 s), after the last answer ~0.07 s (the last series stored, the "
    "store closed). What would close it: send the requests before DuckDB opens (they are "
    "planned from the stored states: a small state cache would do, ~0.1 s), or a settings "
    "loader lighter than pydantic-settings (~0.06 s)"
)
WHY_RSS = (
    "~95 MB is in use before any data is touched: imports ~61 MB (pydantic-settings and "
    "pydantic ~18, duckdb ~16, typer and rich ~9) and DuckDB's library paged in at connect "
    "(~21 MB); the data adds ~20 MB over the collect (DuckDB's own buffers hold 4.7 MB of "
    "it). What would close it: settings read without pydantic-settings (~7 MB)"
)


def ver(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    pkgs = [
        "liquidity",
        "duckdb",
        "numpy",
        "httpx",
        "fredapi",
        "fedfred",
        "openbb",
        "openbb-fred",
        "pandas",
    ]
    return [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}",
        f"- machine: {platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, "
        f"{int(mem) // 1024 // 1024} GiB RAM",
        f"- Python {platform.python_version()}; " + ", ".join(f"{p} {ver(p)}" for p in pkgs),
        f"- replay server: {LATENCY * 1000:.0f} ms injected per request, FRED limit {RATE:g}/s "
        "per key enforced (429 + Retry-After: 1); each figure: median (min–max) of "
        f"{RUNS} runs (OpenBB {OPENBB_RUNS}), every process started cold",
    ]


def collect_table(rows: list[collect.Row]) -> list[str]:
    best = min(r.wall.median for r in rows if r.rows.median == r.served)
    out = [
        "| tool | wall s | requests | 429s | rows / served | floor s (its requests) | "
        "x its floor | x fastest complete | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r.name} | {r.wall.fmt()} | {r.requests.fmt(digits=0)} | "
            f"{r.rate_limited.fmt(digits=0)} | {r.rows.fmt(digits=0)} / {r.served} | "
            f"{r.floor:.2f} | {r.wall.median / r.floor:.2f} | {r.wall.median / best:.1f} | "
            f"{r.rss.fmt(digits=0)} |"
        )
    return out


def main() -> None:
    work = collect.workdir()
    server = start_server()
    lines = ["# Benchmarks", "", "Written by `make bench` (bench/run.py); do not edit by hand.", ""]
    lines += machine()

    # 1. Full collect
    rows = [
        collect.full_collect_ours(server, work, keyed=False),
        collect.full_collect_ours(server, work, keyed=True),
        collect.full_collect_peer(server, "fredapi", RUNS),
        collect.full_collect_peer(server, "fedfred", RUNS),
    ]
    if coldstart.has("openbb") and OPENBB_RUNS > 0:
        rows.append(
            collect.full_collect_peer(
                server,
                "openbb",
                OPENBB_RUNS,
                note="pointed at the server by patching build_url's default root",
            )
        )
    lines += [
        "",
        "## 1. Full collect of the 9 FRED series",
        "",
        "Each tool in a fresh process (imports included). `rows / served`: non-missing "
        "values obtained / values the server holds (ours read fredgraph.csv, keyed or "
        "not, the peers the JSON/XML API: different recordings). Floor: the fastest the 2/s "
        "limit and the latency allow for the requests the tool needed, "
        "(ceil(n/2) - 1) s + one round trip.",
        "",
    ]
    lines += collect_table(rows)
    keyless, keyed = rows[0], rows[1]
    peers = [r for r in rows[2:] if r.rows.median == r.served]
    if peers:
        fastest = min(peers, key=lambda r: r.wall.median)
        ratio = keyed.wall.median / fastest.wall.median
        GOALS.append(
            goal(
                f"keyed full collect at most half the fastest complete peer ({fastest.name})",
                ratio,
                0.5,
                f"x{ratio:.3f}: {keyed.wall.median:.2f} s against "
                f"{fastest.wall.median:.2f} s, {keyed.requests.median:.0f} requests",
                why=WHY_KEYED,
            )
        )
    GOALS.append(
        goal(
            f"keyless full collect at most {TARGET_KEYLESS_S} s",
            keyless.wall.median,
            TARGET_KEYLESS_S,
            f"{keyless.wall.median:.2f} s",
        )
    )
    for r in (keyless, keyed):
        GOALS.append(
            goal(
                f"peak RSS of `{r.name}` at most {TARGET_RSS_MB} MB",
                r.rss.median,
                TARGET_RSS_MB,
                f"{r.rss.median:.0f} MB",
                why=WHY_RSS,
            )
        )
    for r in rows:
        if r.errors:
            lines.append(f"\n{r.name} lost, in the last run: " + "; ".join(r.errors[:9]))
        if r.note:
            lines.append(f"\n{r.name}: {r.note}.")
    if not coldstart.has("openbb") or OPENBB_RUNS == 0:
        lines.append("\nOpenBB: not run (not installed in bench/.venv, or BENCH_OPENBB_RUNS=0).")

    # 2. Incremental refresh
    lines += [
        "",
        "## 2. Incremental refresh (on top of a full collect)",
        "",
        "| tool | nothing new: requests | wall s | one H.4.1 release: requests | wall s |",
        "|---|---|---|---|---|",
    ]
    for keyed in (False, True):
        same, one = collect.refresh(server, work, keyed)
        lines.append(
            f"| {same.name} | {same.requests.fmt(digits=0)} | {same.wall.fmt()} | "
            f"{one.requests.fmt(digits=0)} | {one.wall.fmt()} |"
        )
        extra = one.requests.median - same.requests.median
        GOALS.append(
            goal(
                f"`{one.name}` after one H.4.1 release: at most 1 request more than nothing new",
                extra,
                1,
                f"{one.requests.median:.0f} against {same.requests.median:.0f}",
            )
        )
    lines += [
        "| fredapi, fedfred, OpenBB | no change detection: a refresh is the full "
        "collect of table 1 | | | |",
        "",
        "Target: keyed refresh with nothing new in at most one request per release "
        "(5 releases: H.4.1, H.15, ICE BofA, NY Fed RRP, CBOE); keyless in 1. Floor for "
        f"5 requests: {floor_seconds(5):.2f} s; for 9 (5 + 4 H.4.1 series): "
        f"{floor_seconds(9):.2f} s.",
    ]
    server.stop()

    # 3, 4. Cold start and memory
    db = work / "ours-False-0.duckdb"
    lines += ["", "## 3. Cold start", "", "| command | wall s | peak RSS MB |", "|---|---|---|"]
    for name, wall, rss in coldstart.cold_start(db):
        lines.append(f"| `{name}` | {wall.fmt(digits=3)} | {rss.fmt(digits=0)} |")
        limit = {"liquidity --help": coldstart.TARGET_HELP_S}.get(
            name, coldstart.TARGET_READ_S if name.startswith("liquidity ") else None
        )
        if limit is not None:
            GOALS.append(
                goal(f"`{name}` cold at most {limit} s", wall.median, limit, f"{wall.median:.3f} s")
            )
    lines += [
        "",
        f"Target: `liquidity --help` under {coldstart.TARGET_HELP_S} s; `liquidity show "
        f"net-liquidity` and `liquidity status` at most {coldstart.TARGET_READ_S} s each "
        "(DuckDB store, after a collect). Compiled bytecode: "
        + ("yes" if coldstart.bytecode_cached() else "no (every start compiles from source)")
        + ".",
        "",
        "## 4. Peak memory",
        "",
        "Peak RSS of each full collect is in table 1. Where our RSS comes from (a fresh "
        "process importing, in order, what a collect imports; MB each adds):",
        "",
        "| import | + MB |",
        "|---|---|",
    ]
    for name, mb in coldstart.import_rss():
        lines.append(f"| {name} | {mb:.1f} |")
    lines += ["", f"Target: peak RSS of a collect under {TARGET_RSS_MB} MB."]

    # 5. Storage (starts the shared QuestDB itself when no server is named)
    lines += storage.section()
    lines += ["", *realtime.section()]
    # One line per goal, met or not, under the machine (the figures behind each are below).
    head = len(machine()) + 4
    lines[head:head] = ["", "## Goals", "", *GOALS]
    # bench/live.py's section (its own run, minutes long) is kept as it was.
    kept = OUT.read_text().partition("<!-- bench.live -->") if OUT.exists() else ("", "", "")
    live = kept[1] + kept[2] if kept[1] else ""
    OUT.write_text("\n".join(lines) + (f"\n\n{live}" if live else ""))
    print(OUT.read_text())


if __name__ == "__main__":
    main()
