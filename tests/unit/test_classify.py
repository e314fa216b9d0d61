"""The pure upsert rules (QuestDB's path), including vintages within one batch."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from liquidity.models import Observation, WriteResult
from liquidity.storage.classify import Vintage, classify
from liquidity.storage.duckdb import DuckDBStore
from liquidity.storage.questdb import _FIELDS, _classify, _Columns

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
    prior = {("WALCL", DAY): [(date(2026, 6, 25), T0, 1.0)]}
    out, result = classify([row(1.0, date(2026, 8, 6))], prior, T0 + timedelta(days=40))
    assert out == [] and result.unchanged == 1
    seen = T0 + timedelta(days=41)
    out, result = classify([row(1.5, date(2026, 8, 7))], prior, seen)
    assert result.revised == 1 and out[0].observation.known_at == seen


def test_the_prior_is_the_row_known_last_of_the_latest_vintage() -> None:
    """Two rows of one realtime_start (a value revised on the day it was first seen): the
    one known last is the prior, whatever order the store gave them in."""
    rs, seen = date(2026, 8, 6), T0 + timedelta(hours=2)
    prior = {("WALCL", DAY): [(rs, seen, 2.0), (rs, T0, 1.0), (date(2026, 6, 25), T0, 7.0)]}
    out, result = classify([row(2.0, rs)], prior, seen + timedelta(hours=1))
    assert out == [] and result.unchanged == 1
    later = seen + timedelta(hours=1)
    out, result = classify([row(1.0, date(2026, 8, 7))], prior, later)  # back to the first
    assert result.revised == 1 and out[0].observation.known_at == later


def test_a_repeated_key_is_written_once_and_later_rows_see_it() -> None:
    """A vintage whose (realtime_start, known_at) is stored is written (the store replaces
    the row); the batch's next vintage compares with the value it wrote."""
    first, second = date(2026, 6, 25), date(2026, 7, 2)
    prior = {("WALCL", DAY): [(first, T0, 1.0)]}
    batch = [row(1.5, first), row(1.5, second, T0 + timedelta(days=7))]
    out, result = classify(batch, prior, None)
    assert (result.revised, result.unchanged) == (1, 1)
    assert [(w.observation.known_at, w.observation.value) for w in out] == [(T0, 1.5)]


class Reference:
    """A store that is ``classify`` and a dict keyed as the stores are (QuestDB's path)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[date, date, datetime], float] = {}

    def write(self, batch: list[Observation], revision_known_at: datetime | None) -> WriteResult:
        prior: dict[tuple[str, date], list[Vintage]] = {}
        for (day, rs, known), value in self.rows.items():
            prior.setdefault(("WALCL", day), []).append((rs, known, value))
        out, result = classify(batch, prior, revision_known_at)
        for w in out:
            o = w.observation
            self.rows[(o.date, o.realtime_start, o.known_at)] = o.value
        return result


def test_duckdb_applies_the_same_rules_as_classify() -> None:
    """Random writes (same-day revisions, vintage batches, replays, going back) give the
    same results and the same rows through DuckDB's SQL as through ``classify``."""
    rng = random.Random(14)
    days, starts = [DAY, DAY + timedelta(days=7)], [date(2026, 8, d) for d in (6, 7, 8)]
    instants = [T0 + timedelta(hours=h) for h in range(4)]
    duck = DuckDBStore(":memory:")
    rows = 0
    for _ in range(60):  # short histories: a batch often meets few stored rows
        duck._query("DELETE FROM observations", [])
        ref = Reference()
        for _ in range(6):
            batch = [
                Observation(
                    "WALCL",
                    rng.choice(days),
                    float(rng.choice([1, 2])),
                    rng.choice(starts),
                    rng.choice(instants),
                    "fred",
                )
                for _ in range(rng.choice([1, 2, 3, 5]))
            ]
            stamp = rng.choice([None, *instants])
            assert duck.write(batch, revision_known_at=stamp) == ref.write(batch, stamp)
        stored = duck._query("SELECT date, realtime_start, known_at, value FROM observations", [])
        assert {(d, rs, k.replace(tzinfo=UTC)): v for d, rs, k, v in stored} == ref.rows
        assert len(stored) == len(ref.rows)
        rows += len(stored)
    assert rows > 300
    duck.close()


def tabled(rows: _Columns, revision: list[bool]) -> list[tuple[object, ...]]:
    columns = [getattr(rows, f).tolist() for f in _FIELDS]
    return sorted(zip(*columns, revision, strict=True))


def test_questdbs_fast_path_writes_what_classify_writes() -> None:
    """QuestDB writes the rows whose (series_id, date) has no prior and no other row in the
    batch without ``classify``; the rows written, their flags and the counts are classify's."""
    rng = random.Random(18)
    days = [DAY + timedelta(days=d) for d in range(6)]
    starts = [date(2026, 8, d) for d in (6, 7, 8)]
    instants = [T0 + timedelta(hours=h) for h in range(3)]
    shortcuts = 0
    for _ in range(300):
        prior: dict[tuple[str, date], list[Vintage]] = {}
        for _ in range(rng.choice([0, 0, 1, 3])):
            key = (rng.choice(["A", "B"]), rng.choice(days))
            vintage = (rng.choice(starts), rng.choice(instants), float(rng.choice([1, 2])))
            prior.setdefault(key, []).append(vintage)
        batch = [
            Observation(
                rng.choice(["A", "B", "C"]),
                rng.choice(days),
                float(rng.choice([1, 2])),
                rng.choice(starts),
                rng.choice(instants),
                rng.choice(["fred", "alfred"]),
            )
            for _ in range(rng.choice([1, 2, 4, 8]))
        ]
        stamp = rng.choice([None, *instants])
        want, want_result = classify(batch, prior, stamp)
        rows, revision, result = _classify(batch, _Columns.of(batch), prior, stamp)
        assert result == want_result
        assert tabled(rows, revision.tolist()) == tabled(
            _Columns.of([w.observation for w in want]), [w.revision for w in want]
        )
        shortcuts += result.inserted
    assert shortcuts > 200
