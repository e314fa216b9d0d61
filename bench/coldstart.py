"""Cold start (process wall time) of our CLI against importing the peers, and where the
RSS of a collect comes from (RSS after each import, in a fresh process)."""

from __future__ import annotations

import importlib.util
import itertools
import json
from pathlib import Path

from bench.common import BIN, RUNS, Stat, clean_env, run_child

# Issue 18: reading the store (show, status) after a collect, and --help, in seconds.
TARGET_READ_S, TARGET_HELP_S = 0.5, 0.15


def has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def bytecode_cached() -> bool:
    """Whether the interpreter finds compiled bytecode for duckdb (pip compiles on install,
    uv only with --compile-bytecode). Without it, with PYTHONDONTWRITEBYTECODE set, every
    cold start compiles duckdb, pydantic, typer and rich from source: ~0.5 s more."""
    spec = importlib.util.find_spec("duckdb")
    if spec is None or spec.origin is None:
        return False
    return Path(importlib.util.cache_from_source(spec.origin)).exists()


def cold_start(db: Path) -> list[tuple[str, Stat, Stat]]:
    """(command, wall seconds, peak RSS MB) for each command, median of several runs."""
    py, cli = str(BIN / "python"), str(BIN / "liquidity")
    env = clean_env(LIQUIDITY_DUCKDB_PATH=str(db))
    commands = [
        ("liquidity --help", [cli, "--help"], RUNS * 2),
        ("liquidity show net-liquidity", [cli, "show", "net-liquidity", "--limit", "5"], RUNS * 2),
        ("liquidity status", [cli, "status"], RUNS * 2),
        ('python -c "import fredapi"', [py, "-c", "import fredapi"], RUNS * 2),
        ('python -c "import fedfred"', [py, "-c", "import fedfred"], RUNS * 2),
    ]
    if has("openbb"):
        commands.append(('python -c "import openbb"', [py, "-c", "import openbb"], 3))
    out = []
    for name, args, runs in commands:
        wall, rss = Stat(), Stat()
        for _ in range(runs):
            child = run_child(args, env)
            if child.returncode != 0:
                raise RuntimeError(f"{name} failed: {child.stderr[-1000:]}")
            wall.add(child.wall)
            rss.add(child.max_rss_mb)
        out.append((name, wall, rss))
    return out


PROBE = """
import importlib, json, sys
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
steps = [("python", rss())]
for name in sys.argv[1:]:
    importlib.import_module(name)
    steps.append((name, rss()))
print(json.dumps(steps))
"""

# In the order `liquidity collect` imports them (the CLI first: it keeps httpx's own CLI
# and, through liquidity.thirdparty.purgatory, redis out): what each adds on top of the
# ones before.
MODULES = [
    "typer",
    "rich.console",
    "liquidity.cli",
    "pydantic",
    "pydantic_settings",
    "liquidity.config",
    "httpx",
    "tenacity",
    "liquidity.http",
    "duckdb",
    "liquidity.pipeline",
    "liquidity.storage.duckdb",
    "liquidity.sources.fred_api",
]


def import_rss() -> list[tuple[str, float]]:
    child = run_child([str(BIN / "python"), "-c", PROBE, *MODULES], clean_env())
    steps = json.loads(child.stdout)
    added = [(name, after - before) for (_, before), (name, after) in itertools.pairwise(steps)]
    return [*added, ("total after imports", steps[-1][1])]
