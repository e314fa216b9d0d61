"""DuckDB store: the embedded default, one file, zero set-up.

Every write is one transaction, so a process killed at any point leaves either
the whole batch or none of it. Timestamps are stored as naive UTC.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from liquidity import clock
from liquidity.errors import StorageBusyError, StorageError
from liquidity.models import VINTAGE_SOURCE, Change, Observation, SeriesState, WriteResult

log = logging.getLogger(__name__)

# The observations table; a row's key is (series_id, date, realtime_start, known_at).
OBSERVATIONS = """
CREATE TABLE {if_not_exists} {name} (
    series_id      VARCHAR   NOT NULL,
    date           DATE      NOT NULL,
    value          DOUBLE    NOT NULL,
    realtime_start DATE      NOT NULL,
    known_at       TIMESTAMP NOT NULL,  -- UTC
    source         VARCHAR   NOT NULL,
    ingested_at    TIMESTAMP NOT NULL,  -- UTC
    revision       BOOLEAN   NOT NULL DEFAULT false  -- replaced an earlier value
    -- Unique per (series_id, date, realtime_start, known_at) by construction: each write
    -- classifies its batch against the stored rows in one transaction (STAGE), one write at
    -- a time (DuckDB lets one process open the file for writing; WRITES serialises its
    -- threads). No PRIMARY KEY: its in-memory index slowed ingest by a third (DuckDB's
    -- performance guide warns of it). Stores created with one on (series_id, date,
    -- realtime_start), which forbids two values seen on one day, are rebuilt without it
    -- when opened (DuckDB cannot drop a key).
)
"""

SCHEMA = (
    OBSERVATIONS.format(if_not_exists="IF NOT EXISTS", name="observations")
    + """;
ALTER TABLE observations ADD COLUMN IF NOT EXISTS revision BOOLEAN DEFAULT false;
CREATE TABLE IF NOT EXISTS cursors (
    name     VARCHAR PRIMARY KEY,
    position TIMESTAMP NOT NULL  -- UTC ingested_at of the last row consumed
);
CREATE TABLE IF NOT EXISTS fetch_state (
    series_id       VARCHAR PRIMARY KEY,
    last_fetched_at TIMESTAMP,
    last_success_at TIMESTAMP,
    last_updated    VARCHAR,
    last_error      VARCHAR
);
"""
)

# A key on observations, left by a store created before 0.1: (series_id, date, realtime_start).
OLD_KEY = """
SELECT count(*) FROM duckdb_constraints()
WHERE database_name = current_database() AND schema_name = current_schema()
  AND table_name = 'observations' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')
"""

REBUILD = (
    OBSERVATIONS.format(if_not_exists="", name="observations_rebuilt")
    + """;
INSERT INTO observations_rebuilt
SELECT series_id, date, value, realtime_start, known_at, source, ingested_at,
       coalesce(revision, false)
FROM observations;
DROP TABLE observations;
ALTER TABLE observations_rebuilt RENAME TO observations;
"""
)


def _same(t: str = "") -> str:
    """Equal within float noise: a re-fetch of the same number is not a revision."""
    v, prior = f"{t}value", f"{t}prior_value"
    return f"abs({prior} - {v}) <= 1e-9 * greatest(abs({prior}), abs({v}), 1.0)"


SAME = _same()

# The batch, from Python lists (``_columns``): DuckDB unnests lists given as parameters
# side by side, without numpy (~0.1 s to import and 12 MB on every collect).
INCOMING = """
CREATE OR REPLACE TEMP TABLE incoming AS
SELECT unnest($series_id)::VARCHAR AS series_id, unnest($d)::INTEGER AS d,
       unnest($value)::DOUBLE AS value, unnest($rs)::INTEGER AS rs, unnest($ka)::BIGINT AS ka,
       unnest($source)::VARCHAR AS source, generate_subscripts($d, 1) AS ord
"""

RAW = """
SELECT series_id, DATE '0001-01-01' + (d - 1) AS date, value,
       DATE '0001-01-01' + (rs - 1) AS realtime_start,
       make_timestamp(ka) AS known_at, source, ord
FROM incoming
"""

# Only the stored rows a batch can meet (constants, so the scan skips the rest); per
# (series, date, realtime_start) the one known last, for the ASOF JOIN to meet (among
# several rows of one realtime_start it would take any), and the value of the row known
# at the revision instant, whose key a revision of that realtime_start would repeat.
STORED = """
span AS (
    SELECT series_id, date, realtime_start, known_at, value FROM observations
    WHERE list_contains($series, series_id) AND date BETWEEN $first AND $last
), prior AS (
    SELECT series_id, date, realtime_start, max(known_at) AS known_at,
           arg_max(value, known_at) AS value,
           max(value) FILTER (WHERE known_at = $revision_known_at) AS stamped_value
    FROM span GROUP BY series_id, date, realtime_start
)"""

ASOF = """
ASOF LEFT JOIN prior p ON inc.series_id = p.series_id AND inc.date = p.date
   AND inc.realtime_start >= p.realtime_start"""

# A changed value is known from the revision instant (when we saw it) when given.
KNOWN_AT = "coalesce($revision_known_at, inc.known_at)"

# A row whose final key is stored already is compared with that row, and replaces it when
# it differs. With a revision instant, that key is (realtime_start, the instant): the
# stored rows at the same realtime_start tell it (no join: the hot path of every collect).
STAMPED_KEY = """
SELECT met.* EXCLUDE (prior_value, key_value),
       coalesce(key_value, prior_value) AS prior_value, key_value IS NOT NULL AS stored
FROM met
"""
# Without one (vintages), every row keeps its own known_at: look its key up.
OWN_KEY = """
SELECT met.* EXCLUDE (prior_value, key_value),
       coalesce(s.value, prior_value) AS prior_value, s.value IS NOT NULL AS stored
FROM met LEFT JOIN span s ON met.series_id = s.series_id AND met.date = s.date
   AND met.realtime_start = s.realtime_start AND met.known_at = s.known_at
"""

# Whether any stored row falls where a batch does: if none (a first collect) and the batch
# has one row per (series, date), every row is inserted as it is, without staging (the
# staging query's joins and windows cost time, and DuckDB keeps ~2 MB a write they used).
ANY_STORED = """
SELECT count(*) FROM (
    SELECT 1 FROM observations
    WHERE list_contains($series, series_id) AND date BETWEEN $first AND $last LIMIT 1
)
"""
INSERT_NEW = """
INSERT INTO observations
SELECT series_id, DATE '0001-01-01' + (d - 1), value, DATE '0001-01-01' + (rs - 1),
       make_timestamp(ka), source, $now, false
FROM ({rows})
"""
COLUMN_TYPES = {
    "series_id": "VARCHAR",
    "d": "INTEGER",
    "value": "DOUBLE",
    "rs": "INTEGER",
    "ka": "BIGINT",
    "source": "VARCHAR",
}

# The usual batch, one row per date: the prior value is the stored row at or before it.
STAGE = f"""
CREATE OR REPLACE TEMP TABLE staged AS
WITH {STORED}, inc AS ({RAW}), met AS (
    SELECT inc.* EXCLUDE (known_at), p.value AS prior_value,
           CASE WHEN p.value IS NULL THEN inc.known_at ELSE {KNOWN_AT} END AS known_at,
           CASE WHEN p.realtime_start = inc.realtime_start THEN p.stamped_value END AS key_value
    FROM inc {ASOF}
)
"""

# Several rows per date: keep the last of each (series, date, realtime_start), and take
# the prior from the batch's own earlier vintage when it comes after the stored one in
# (realtime_start, known_at) order. An earlier vintage not written (unchanged) has the
# value it was compared with, so comparing with it as if written gives the same answer.
STAGE_REPEATS = f"""
CREATE OR REPLACE TEMP TABLE staged AS
WITH {STORED}, raw AS ({RAW}), inc AS (
    SELECT * FROM raw
    QUALIFY row_number() OVER (PARTITION BY series_id, date, realtime_start ORDER BY ord DESC) = 1
), own AS (
    SELECT inc.* EXCLUDE (known_at), p.realtime_start AS p_rs, p.known_at AS p_known,
           p.value AS p_value,
           CASE WHEN p.value IS NULL AND lag(inc.realtime_start) OVER w IS NULL
                THEN inc.known_at ELSE {KNOWN_AT} END AS known_at,
           CASE WHEN p.realtime_start = inc.realtime_start THEN p.stamped_value END AS key_value
    FROM inc {ASOF}
    WINDOW w AS (PARTITION BY inc.series_id, inc.date ORDER BY inc.realtime_start)
), batch AS (
    SELECT *, lag(realtime_start) OVER w AS b_rs, lag(known_at) OVER w AS b_known,
           lag(value) OVER w AS b_value
    FROM own WINDOW w AS (PARTITION BY series_id, date ORDER BY realtime_start)
), met AS (
    SELECT * EXCLUDE (p_rs, p_known, p_value, b_rs, b_known, b_value),
           CASE WHEN b_rs IS NOT NULL AND (p_rs IS NULL OR b_rs > p_rs
                                            OR (b_rs = p_rs AND b_known >= p_known))
                THEN b_value ELSE p_value END AS prior_value
    FROM batch
)
"""

# (one row per date?, a revision instant?) -> the statement that fills ``staged``
STAGES = {
    (repeats, stamped): stage + (STAMPED_KEY if stamped else OWN_KEY)
    for repeats, stage in ((False, STAGE), (True, STAGE_REPEATS))
    for stamped in (False, True)
}

CHANGED = f"prior_value IS NOT NULL AND NOT ({SAME})"

# A changed value whose key is stored (same realtime_start and known_at) replaces it ...
REPLACE = f"""
UPDATE observations o SET value = s.value, source = s.source, ingested_at = $now,
       revision = true
FROM staged s
WHERE s.stored AND s.prior_value IS NOT NULL AND NOT ({_same("s.")})
  AND o.series_id = s.series_id AND o.date = s.date AND o.realtime_start = s.realtime_start
  AND o.known_at = s.known_at
"""

# ... any other new or changed value is a new row.
INSERT = f"""
INSERT INTO observations
SELECT series_id, date, value, realtime_start, known_at, source, $now, prior_value IS NOT NULL
FROM staged WHERE NOT stored AND (prior_value IS NULL OR {CHANGED})
"""

COUNT = f"""
SELECT count(*) FILTER (WHERE prior_value IS NULL),
       count(*) FILTER (WHERE {CHANGED}),
       count(*) FILTER (WHERE {SAME})
FROM staged
"""

COLUMNS = "series_id, date, value, realtime_start, known_at, source"
# Of a date's rows, the one known last; on a tie an exact vintage (ALFRED) beats an
# estimate, then the later realtime_start (see storage/base.py).
KNOWN_LAST = f"known_at DESC, source = '{VINTAGE_SOURCE}' DESC, realtime_start DESC"
LATEST_PER_DATE = (
    f"QUALIFY row_number() OVER (PARTITION BY series_id, date ORDER BY {KNOWN_LAST}) = 1"
)


def to_naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_naive_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)


# Writes of every store in this process, one at a time: without a key constraint two
# concurrent transactions could each insert the same new row.
WRITES = threading.Lock()


# How often an open blocked by another process's lock tries again.
LOCK_POLL = 0.1
# What DuckDB (2.x) says when another process holds the file; its PID when it knows it.
LOCKED = "Could not set lock on file"
HOLDER = re.compile(r"\(PID (\d+)\)")


class DuckDBStore:
    def __init__(
        self,
        path: Path | str = ":memory:",
        *,
        threads: int | None = None,
        lock_wait: float = 0.0,
        lean: bool = False,
    ) -> None:
        """``threads``: DuckDB's worker threads (its default: one per core). ``lock_wait``:
        seconds to wait while another process holds the file (DuckDB lets one process open
        it at a time), then ``StorageBusyError``."""
        self.path = str(path)
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            config: dict[str, str | bool | int | float | list[str]] = {}
            if lean:
                # DuckDB keeps the memory a finished query freed for the next one: a
                # collect's many small writes kept ~6 MB more at its peak. Not for readers:
                # freeing at once made an as-of read twice as slow.
                config["allocator_bulk_deallocation_flush_threshold"] = "0MB"
            if threads is not None:
                config["threads"] = threads
            self._con = _connect(self.path, config, lock_wait)
            self._con.execute(SCHEMA)
            self._drop_old_key()
        except (duckdb.Error, OSError) as exc:
            raise StorageError(f"cannot open DuckDB store {self.path}: {_reason(exc)}") from exc

    def _drop_old_key(self) -> None:
        """Rebuild, once, a table created with a key on (series_id, date, realtime_start):
        it would refuse the second value of a date seen on one day."""
        [(keyed,)] = self._con.execute(OLD_KEY).fetchall()
        if keyed:
            log.info("DuckDB store %s: rebuilding observations without its old key", self.path)
            with self._transaction() as con:
                con.execute(REBUILD)

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        try:
            self._con.execute("BEGIN TRANSACTION")
            yield self._con
            self._con.execute("COMMIT")
        except duckdb.Error as exc:
            # A failed COMMIT (e.g. the .wal cannot be created) has ended the transaction
            # already: its ROLLBACK would fail too and hide the real cause.
            with suppress(duckdb.Error):
                self._con.execute("ROLLBACK")
            raise StorageError(f"DuckDB write failed: {_reason(exc)}") from exc

    def write(
        self, observations: Sequence[Observation], *, revision_known_at: datetime | None = None
    ) -> WriteResult:
        if not observations:
            return WriteResult()
        incoming = _columns(observations)
        days = incoming["d"]
        stage = {
            "series": sorted(set(incoming["series_id"])),
            "first": date.fromordinal(min(days)),
            "last": date.fromordinal(max(days)),
            "revision_known_at": to_naive_utc(revision_known_at) if revision_known_at else None,
        }
        now = {"now": to_naive_utc(clock.now())}
        repeats = len(set(zip(incoming["series_id"], days, strict=True))) < len(days)
        big = len(days) >= BIG_BATCH
        with WRITES, self._transaction() as con:
            if big:
                _incoming_from_arrays(con, incoming)
            if not repeats and not _any_stored(con, stage):
                # Nothing stored where the batch falls (a first collect): every row is new.
                rows, params = ("SELECT * FROM incoming", {}) if big else _rows(incoming)
                con.execute(INSERT_NEW.format(rows=rows), {**params, **now})
                if big:
                    con.execute("DROP TABLE incoming")
                return WriteResult(inserted=len(days))
            if not big:
                con.execute(INCOMING, incoming)
            con.execute(STAGES[repeats, revision_known_at is not None], stage)
            row = con.execute(COUNT).fetchall()[0]
            con.execute(REPLACE, now)
            con.execute(INSERT, now)
            con.execute("DROP TABLE staged")
            con.execute("DROP TABLE incoming")
        return WriteResult(inserted=row[0], revised=row[1], unchanged=row[2])

    def read(
        self,
        series_id: str,
        *,
        start: date | None = None,
        end: date | None = None,
        as_of: datetime | None = None,
    ) -> list[Observation]:
        where, params = _where(
            ("series_id = ?", series_id),
            ("date >= ?", start),
            ("date <= ?", end),
            ("known_at <= ?", as_of and to_naive_utc(as_of)),
        )
        sql = f"SELECT {COLUMNS} FROM observations WHERE {where} {LATEST_PER_DATE} ORDER BY date"
        return [_observation(r) for r in self._query(sql, params)]

    def vintages(self, series_id: str, *, end: date | None = None) -> list[Observation]:
        where, params = _where(("series_id = ?", series_id), ("date <= ?", end))
        return [
            _observation(r)
            for r in self._query(f"SELECT {COLUMNS} FROM observations WHERE {where}", params)
        ]

    def latest(
        self, series_ids: Iterable[str] | None = None, *, as_of: datetime | None = None
    ) -> dict[str, Observation]:
        where, params = _where(
            ("list_contains(?, series_id)", None if series_ids is None else list(series_ids)),
            ("known_at <= ?", as_of and to_naive_utc(as_of)),
        )
        sql = (
            f"SELECT {COLUMNS} FROM observations WHERE {where} "
            "QUALIFY row_number() OVER "
            f"(PARTITION BY series_id ORDER BY date DESC, {KNOWN_LAST}) = 1"
        )
        return {r[0]: _observation(r) for r in self._query(sql, params)}

    def states(self) -> dict[str, SeriesState]:
        sql = """
        WITH agg AS (SELECT series_id, max(date) AS last_date, count(*) AS rows
                     FROM observations GROUP BY series_id)
        SELECT coalesce(a.series_id, f.series_id), a.last_date, f.last_fetched_at,
               f.last_updated, coalesce(a.rows, 0), f.last_success_at, f.last_error
        FROM agg a FULL OUTER JOIN fetch_state f ON a.series_id = f.series_id
        """
        return {
            r[0]: SeriesState(
                r[0], r[1], from_naive_utc(r[2]), r[3], r[4], from_naive_utc(r[5]), r[6]
            )
            for r in self._query(sql, [])
        }

    def record_fetch(
        self,
        series_id: str,
        fetched_at: datetime,
        *,
        last_updated: str | None = None,
        error: str | None = None,
    ) -> None:
        at = to_naive_utc(fetched_at)
        sql = """
        INSERT INTO fetch_state
        VALUES ($id, $at, CASE WHEN $error IS NULL THEN $at END, $stamp, $error)
        ON CONFLICT (series_id) DO UPDATE SET
            last_fetched_at = excluded.last_fetched_at,
            last_success_at = coalesce(excluded.last_success_at, fetch_state.last_success_at),
            last_updated = CASE WHEN $error IS NULL THEN excluded.last_updated
                                ELSE fetch_state.last_updated END,
            last_error = excluded.last_error
        """
        with self._transaction() as con:
            con.execute(sql, {"id": series_id, "at": at, "stamp": last_updated, "error": error})

    def changes(self, since: datetime | None, *, limit: int = 10_000) -> list[Change]:
        # Whole transactions only: rows of one write share one ingested_at, so a limit
        # never splits them and a cursor at that instant loses nothing.
        sql = f"""
        WITH page AS (
            SELECT DISTINCT ingested_at FROM observations
            WHERE $since IS NULL OR ingested_at > $since ORDER BY ingested_at LIMIT $limit
        )
        SELECT {COLUMNS}, o.ingested_at, o.revision
        FROM observations o JOIN page USING (ingested_at)
        ORDER BY o.ingested_at, o.series_id, o.date
        """
        params = {"since": since and to_naive_utc(since), "limit": limit}
        rows = self._query(sql, params)
        return [Change(_observation(r), r[6].replace(tzinfo=UTC), bool(r[7])) for r in rows]

    def get_cursor(self, name: str) -> datetime | None:
        rows = self._query("SELECT position FROM cursors WHERE name = ?", [name])
        return rows[0][0].replace(tzinfo=UTC) if rows else None

    def set_cursor(self, name: str, position: datetime) -> None:
        sql = """INSERT INTO cursors VALUES ($name, $position)
                 ON CONFLICT (name) DO UPDATE SET position = excluded.position"""
        with self._transaction() as con:
            con.execute(sql, {"name": name, "position": to_naive_utc(position)})

    def count(self) -> int:
        return int(self._query("SELECT count(*) FROM observations", [])[0][0])

    def close(self) -> None:
        self._con.close()

    def _query(
        self, sql: str, params: Sequence[object] | Mapping[str, object]
    ) -> list[tuple[Any, ...]]:
        try:
            return self._con.execute(sql, params).fetchall()
        except duckdb.Error as exc:
            raise StorageError(f"DuckDB read failed: {_reason(exc)}") from exc


def _connect(
    path: str, config: dict[str, str | bool | int | float | list[str]], lock_wait: float
) -> duckdb.DuckDBPyConnection:
    """Open the file, trying again for ``lock_wait`` seconds while another process holds it."""
    deadline, waiting = time.monotonic() + lock_wait, False
    while True:
        try:
            return duckdb.connect(path, config=config)
        except duckdb.IOException as exc:
            if LOCKED not in str(exc):
                raise
            if time.monotonic() >= deadline:
                found = HOLDER.search(str(exc))
                holder = f"process {found[1]}" if found else "another process"
                waited = ""
                if lock_wait:
                    waited = f"waited {lock_wait:g}s (LIQUIDITY_DUCKDB_LOCK_WAIT), "
                raise StorageBusyError(
                    f"the DuckDB store {path} is busy, most likely with a `liquidity collect` "
                    f"({holder} has it open); {waited}try again when it is done"
                ) from exc
            if not waiting:
                log.info("the DuckDB store %s is held by another process: waiting", path)
                waiting = True
            time.sleep(LOCK_POLL)


# From this many rows a batch (a backfill, not a collect's series) goes to DuckDB as numpy
# arrays: unnesting Python lists converts them item by item, ~2.5x slower at 100k rows;
# below it, lists spare a collect numpy's import (~0.1 s, 12 MB).
BIG_BATCH = 20_000


def _incoming_from_arrays(con: duckdb.DuckDBPyConnection, columns: dict[str, list[Any]]) -> None:
    """The ``incoming`` table of ``INCOMING``, from numpy arrays (a replacement scan)."""
    import numpy as np

    arrays = {  # noqa: F841 - read by DuckDB's replacement scan, by name
        "series_id": np.array(columns["series_id"], dtype=object),
        "d": np.array(columns["d"], dtype=np.int32),
        "value": np.array(columns["value"], dtype=np.float64),
        "rs": np.array(columns["rs"], dtype=np.int32),
        "ka": np.array(columns["ka"], dtype=np.int64),
        "source": np.array(columns["source"], dtype=object),
        "ord": np.arange(1, len(columns["d"]) + 1, dtype=np.int64),
    }
    con.execute("CREATE OR REPLACE TEMP TABLE incoming AS SELECT * FROM arrays")


def _any_stored(con: duckdb.DuckDBPyConnection, stage: Mapping[str, object]) -> bool:
    params = {k: stage[k] for k in ("series", "first", "last")}
    [(n,)] = con.execute(ANY_STORED, params).fetchall()
    return bool(n)


def _where(*conditions: tuple[str, object]) -> tuple[str, list[object]]:
    """SQL conditions joined with AND, leaving out those whose value is ``None``."""
    kept = [(sql, value) for sql, value in conditions if value is not None]
    return " AND ".join(["true", *(sql for sql, _ in kept)]), [value for _, value in kept]


def _columns(observations: Sequence[Observation]) -> dict[str, list[Any]]:
    """The batch as one Python list per column, the parameters of ``INCOMING``."""
    return {
        "series_id": [o.series_id for o in observations],
        "d": [o.date.toordinal() for o in observations],
        "value": [float(o.value) for o in observations],
        "rs": [o.realtime_start.toordinal() for o in observations],
        # float seconds are exact to the microsecond until ~2100 once rounded, and
        # 2.5x faster than timedelta arithmetic
        "ka": [round(o.known_at.timestamp() * 1e6) for o in observations],
        "source": [o.source for o in observations],
    }


def _rows(columns: dict[str, list[Any]]) -> tuple[str, dict[str, Any]]:
    """A SELECT of a batch of distinct rows from its columns, and its parameters: a column
    with one value throughout (a batch's series, source, often its realtime_start) is
    passed once, not as a list (DuckDB converts a list item by item)."""
    exprs, params = [], {}
    for name, values in columns.items():
        if values.count(values[0]) == len(values):
            exprs.append(f"${name}::{COLUMN_TYPES[name]} AS {name}")
            params[name] = values[0]
        else:
            exprs.append(f"unnest(${name})::{COLUMN_TYPES[name]} AS {name}")
            params[name] = values
    return "SELECT " + ", ".join(exprs), params


def _observation(row: tuple[Any, ...]) -> Observation:
    return Observation(row[0], row[1], row[2], row[3], row[4].replace(tzinfo=UTC), row[5])


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
