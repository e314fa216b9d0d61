"""The upsert rules as a pure function, for backends that cannot express them in SQL.

A row's key is ``(series_id, date, realtime_start, known_at)``. For each incoming
row (the last one wins among duplicates of ``(series_id, date, realtime_start)``),
find the prior row: among the rows of the same ``(series_id, date)`` with the latest
``realtime_start`` not after the incoming one, the one known last. No prior: a new
value, known from its own ``known_at``. Otherwise the row's ``known_at`` becomes
``revision_known_at`` (when we saw it) when given. If that key is stored already (an
ALFRED re-backfill, a spool replay), the row is compared with that row and replaces it
when it differs; else a value that differs from the prior is a revision, a new row
beside the prior (two values seen on one day are two vintages). An equal value writes
nothing. DuckDB applies the same rules in SQL (``storage/duckdb.py``); the contract tests
hold both to them.
"""

from __future__ import annotations

import math
from bisect import bisect_right, insort
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from liquidity.models import Observation, WriteResult

# A stored row as the rules see it: (realtime_start, known_at, value).
Vintage = tuple[date, datetime, float]
# Prior rows per (series_id, date), in any order.
Prior = Mapping[tuple[str, date], Sequence[Vintage]]


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
    # Sorted by (realtime_start, known_at): the prior of a row is the last one not after it.
    known = {key: sorted(rows) for key, rows in prior.items()}
    # Oldest vintage first, so that a batch's earlier vintages count as prior ones.
    for (sid, day, rs), obs in sorted(last.items(), key=lambda kv: kv[0][2]):
        vintages = known.setdefault((sid, day), [])
        i = bisect_right(vintages, rs, key=lambda v: v[0])
        if i == 0:
            inserted += 1
            out.append(ToWrite(obs, revision=False))
            insort(vintages, (rs, obs.known_at, obs.value))
            continue
        obs = replace(obs, known_at=revision_known_at or obs.known_at)
        j = bisect_right(vintages, (rs, obs.known_at), key=lambda v: v[:2])
        stored = j > 0 and vintages[j - 1][:2] == (rs, obs.known_at)
        if same(vintages[j - 1 if stored else i - 1][2], obs.value):
            unchanged += 1
        else:
            revised += 1
            out.append(ToWrite(obs, revision=True))
            if stored:
                vintages[j - 1] = (rs, obs.known_at, obs.value)
            else:
                vintages.insert(j, (rs, obs.known_at, obs.value))
    return out, WriteResult(inserted=inserted, revised=revised, unchanged=unchanged)
