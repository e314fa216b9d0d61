"""The README's pictures, drawn by the real CLI from the recorded fixtures.

Run from the repository root: ``make pictures``. A replay server serves the recordings
(tests/fixtures, with their provenance), one ``liquidity collect`` fills a DuckDB file,
then each kind of plot is drawn here. The HTML page is photographed with a headless
Chromium when one is installed (``chromium`` on PATH); without it, that one is skipped
and the script says so.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support.cli import collected_env, run_cli

HERE = Path(__file__).parent
KINDS = {
    "net-liquidity.png": [
        "net-liquidity",
        "--variant",
        "daily",
        "--overlay",
        "VIX",
        "--shade",
        "recessions",
        "--shade",
        "qt",
    ],
    "series.png": ["WALCL", "RRPONTSYD", "DGS10", "DGS2", "--start", "2019-01-01"],
    "realtime.png": ["NETLIQ_DAILY", "--realtime", "--start", "2025-01-01"],
    "as-of.png": ["net-liquidity", "--as-of", "2024-03-15T12:00-04:00", "--start", "2022-01-01"],
    "changes.png": ["net-liquidity", "--layout", "changes", "--start", "2022-01-01"],
}
HTML = ["net-liquidity", "--variant", "daily", "--overlay", "VIX", "--start", "2019-01-01"]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp, collected_env(Path(tmp), "p.duckdb", []) as env:
        for name, args in KINDS.items():
            done = run_cli(["plot", *args, "-o", str(HERE / name)], env)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            print(HERE / name)
        page = Path(tmp) / "page.html"
        done = run_cli(["plot", *HTML, "-o", str(page)], env)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        browser = shutil.which("chromium")
        if browser is None:
            print("no chromium on PATH: html.png not redrawn", file=sys.stderr)
            return 0
        shot = HERE / "html.png"
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--window-size=1400,900",
                "--virtual-time-budget=5000",
                f"--screenshot={shot}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        print(shot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
