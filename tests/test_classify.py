"""The pure upsert rules (QuestDB's path), including vintages within one batch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from liquidity.models import Observation
from liquidity.storage.classify import classify

T0 = datetime(2026, 6, 25, 20, 30, tzinfo=UTC)
DAY = date(2026, 6, 24)


def row(value: float, rs: date, known: datetime = T0) -> Observation:
    return Observation("WALCL", DAY, value, rs, known, "alfred")


def test_vintages_in_one_batch_see_each_other() -> None:
    later = T0 + timedelta(days=7)
    batch = [row(2.0, date(2026, 7, 2), later), row(1.0, date(2026, 6, 25))]  # any order
    out, result = classify(batch, {}, None)
    assert (result.inserted, result.revised) == (1, 1)
    assert [(w.observation.value, w.revision) for w in out] == [(1.0, False), (2.0, True)]
    assert out[1].observation.known_at == later  # exact vintage: its own known_at


def test_same_value_again_is_unchanged_and_stored_prior_counts() -> None:
    prior = {("WALCL", DAY): [(date(2026, 6, 25), 1.0)]}
    out, result = classify([row(1.0, date(2026, 8, 6))], prior, T0 + timedelta(days=40))
    assert out == [] and result.unchanged == 1
    seen = T0 + timedelta(days=41)
    out, result = classify([row(1.5, date(2026, 8, 7))], prior, seen)
    assert result.revised == 1 and out[0].observation.known_at == seen
