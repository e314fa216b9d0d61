"""A daily request budget per source: what the daemon asked today, by purpose, and its ceiling.

Days are New York days (the sources' own). ``allows`` is asked before every poll and
every collect, so the daemon never goes past a ceiling: past it, a window stops and its
release is reported overdue. Pure bookkeeping: the caller passes the instant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

POLL = "poll"  # asking a cheap signal whether the data moved
FETCH = "fetch"  # collecting the observations
KINDS = (POLL, FETCH)
NEW_YORK = ZoneInfo("America/New_York")


@dataclass
class Ledger:
    ceilings: Mapping[str, int]  # requests a day per source; a source not named has no ceiling
    day: date | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def _roll(self, now: datetime) -> None:
        today = now.astimezone(NEW_YORK).date()
        if today != self.day:
            self.day, self.counts = today, {}

    def used(self, source: str, now: datetime, kind: str | None = None) -> int:
        self._roll(now)
        mine = self.counts.get(source, {})
        return mine.get(kind, 0) if kind else sum(mine.values())

    def remaining(self, source: str, now: datetime) -> float:
        ceiling = self.ceilings.get(source)
        return float("inf") if ceiling is None else ceiling - self.used(source, now)

    def allows(self, source: str, requests: int, now: datetime) -> bool:
        return self.remaining(source, now) >= requests

    def add(self, source: str, kind: str, requests: int, now: datetime) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        self._roll(now)
        mine = self.counts.setdefault(source, {})
        mine[kind] = mine.get(kind, 0) + requests

    def snapshot(self, now: datetime) -> dict[str, dict[str, int | None]]:
        """Per source: requests today by kind, and the ceiling (for ``status`` and metrics)."""
        self._roll(now)
        out: dict[str, dict[str, int | None]] = {}
        for source in sorted({*self.ceilings, *self.counts}):
            row: dict[str, int | None] = {k: self.used(source, now, k) for k in KINDS}
            row["ceiling"] = self.ceilings.get(source)
            out[source] = row
        return out
