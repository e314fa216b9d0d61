"""The upsert rules as a pure function, for backends that cannot express them in SQL.

For each incoming row (the last one wins among duplicates of a key), find the
prior row: the one with the latest ``realtime_start`` not after the incoming
one, for the same ``(series_id, date)``. No prior: a new value, known from its
own ``known_at``. Same value: unchanged, nothing written. Different value: a
revision, known from ``revision_known_at`` when given. DuckDB applies the same
rules in SQL (``storage/duckdb.py``); the contract tests hold both to them.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from liquidity.models import Observation, WriteResult

# prior rows per (series_id, date): (realtime_start, value), sorted by realtime_start
Prior = Mapping[tuple[str, date], Sequence[tuple[date, float]]]


@dataclass(frozen=True, slots=True)
class ToWrite:
    observation: Observation
    revision: bool


def same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def classify(
    incoming: Sequence[Observation], prior: Prior, revision_known_at: datetime | None
) -> tuple[list[ToWrite], WriteResult]:
    last = {(o.series_id, o.date, o.realtime_start): o for o in incoming}
    out: list[ToWrite] = []
    inserted = revised = unchanged = 0
    known = {key: list(rows) for key, rows in prior.items()}
    # Oldest vintage first, so that a batch's earlier vintages count as prior ones.
    for (sid, day, rs), obs in sorted(last.items(), key=lambda kv: kv[0][2]):
        vintages = known.setdefault((sid, day), [])
        i = bisect_right([v[0] for v in vintages], rs)
        vintages.insert(i, (rs, obs.value))
        if i == 0:
            inserted += 1
            out.append(ToWrite(obs, revision=False))
        elif same(vintages[i - 1][1], obs.value):
            unchanged += 1
        else:
            revised += 1
            stamp = revision_known_at or obs.known_at
            out.append(ToWrite(replace(obs, known_at=stamp), revision=True))
    return out, WriteResult(inserted=inserted, revised=revised, unchanged=unchanged)
