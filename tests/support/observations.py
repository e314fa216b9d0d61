"""Observations the tests build: one WALCL row for the store contract, weekly H.4.1 triples."""

from __future__ import annotations

from datetime import UTC, date, datetime

from liquidity.models import Observation
from liquidity.storage.base import Store

T0 = datetime(2026, 8, 6, 20, 30, tzinfo=UTC)

WED = date(2026, 8, 5)


def obs(
    value: float,
    day: date = WED,
    rs: date = date(2026, 8, 6),
    known: datetime = T0,
    sid: str = "WALCL",
) -> Observation:
    return Observation(sid, day, value, rs, known, "fred")


H41 = datetime(2024, 1, 4, 21, 30, tzinfo=UTC)  # Thursday 16:30 New York


def released(series_id: str, day: str, value: float, known_at: datetime = H41) -> Observation:
    d = date.fromisoformat(day)
    return Observation(series_id, d, value, d, known_at, "fred")


def weekly(store: Store, day: str, walcl: float, known_at: datetime = H41) -> None:
    # One write per series, as a collect does.
    store.write([released("WALCL", day, walcl, known_at)])
    store.write([released("WLRRAL", day, 600_000.0, known_at)])
    store.write([released("WDTGAL", day, 700_000.0, known_at)])
