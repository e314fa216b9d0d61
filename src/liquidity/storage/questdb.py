"""QuestDB store: ILP over HTTP for writes (the official client), REST for reads.

Tables are created by DDL before any write (an ILP auto-created table would
name its timestamp ``timestamp`` and have no dedup) as WAL tables partitioned
by YEAR (daily and weekly data: DAY would make a partition per row) with
``DEDUP UPSERT KEYS``, so a replayed write replaces instead of duplicating.
The designated timestamp ``ts`` is the observation date (midnight UTC); the
observations' keys include ``known_at``, so a value revised on the day it was
first seen is a row of its own. A table created with the keys of earlier
versions (without ``known_at``) gets them with ``ALTER TABLE ... DEDUP ENABLE``:
its rows are unique on fewer keys, so on these too, and read the same.
Classification (new / revised / unchanged) reads the prior vintages first (one
query per batch) and applies ``classify`` to the rows that have any (or share their
date with another row of the batch); the rest, a first load's every row, are new as
they are. The rows go as a DataFrame through the client's ``dataframe`` (serialized
in C, not row by row in Python). A write returns once QuestDB has it in its WAL; the
server applies it meanwhile, and we wait for that (``settle``) before anything reads
it: before any query through ``rest``, before a write's pre-write read when the
unapplied rows include its series, and at ``close``. Waiting after each write instead
kept client and server taking turns (a fifth of the bench's ingest time). A suspended
table (a failed WAL apply) is thus reported by the next read, not by the write.
Reads let the server drop each date's older vintages (``rank() OVER (PARTITION BY
ts ...)``) and take timestamps as integers.

One ILP ``Sender`` per store, opened at the first write and reused (the client
warns about a "burst of reconnections" when one is opened per write); a send
that fails closes it, so the next write opens a fresh one, and the error goes up
as ``StorageUnavailableError`` for the spool to keep the rows.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from liquidity import clock
from liquidity.errors import StorageError, StorageUnavailableError
from liquidity.models import VINTAGE_SOURCE, Change, Observation, SeriesState, WriteResult
from liquidity.storage.classify import Prior, Vintage, classify
from liquidity.storage.questdb_rest import EPOCH, Column, QuestDBRest, parse_ts, sql_str, sql_ts

if TYPE_CHECKING:
    from pydantic import SecretStr
    from questdb import Sender

log = logging.getLogger(__name__)

OBS, FETCH, CURSORS = "observations", "fetch_state", "cursors"
# Client-side errors; every other failure (socket, timeout, server) is worth spooling.
CLIENT_ERRORS = frozenset(
    {
        "InvalidApiCall",
        "InvalidUtf8",
        "InvalidName",
        "InvalidTimestamp",
        "ConfigError",
        "BadDataFrame",
    }
)
SYMBOLS = ["series_id", "source"]
# Series per pre-write read: one query for most batches, and a URL short enough for a GET.
PRIOR_SERIES = 100
# One ILP transaction: what puts its rows into it, and how many rows.
Put = tuple[Callable[[Any], object], int]


@dataclass(frozen=True, slots=True)
class QuestDBConfig:
    host: str
    http_port: int
    user: str | None
    password: SecretStr | None
    tls: bool
    tls_verify: bool
    request_timeout: float  # seconds per HTTP request
    retry_timeout: float  # the ILP client's own retry budget
    wal_timeout: float  # wait for WAL apply after a write
    flush_rows: int  # rows per ILP/HTTP request
    table_prefix: str


def _ddl(prefix: str) -> dict[str, str]:
    return {
        OBS: f"""CREATE TABLE IF NOT EXISTS {prefix}{OBS} (
            ts TIMESTAMP, series_id SYMBOL, value DOUBLE, realtime_start TIMESTAMP,
            known_at TIMESTAMP, source SYMBOL, ingested_at TIMESTAMP, revision BOOLEAN
        ) TIMESTAMP(ts) PARTITION BY YEAR WAL
        DEDUP UPSERT KEYS({", ".join(upsert_keys(OBS))})""",
        FETCH: f"""CREATE TABLE IF NOT EXISTS {prefix}{FETCH} (
            ts TIMESTAMP, series_id SYMBOL, last_updated VARCHAR, error VARCHAR
        ) TIMESTAMP(ts) PARTITION BY YEAR WAL DEDUP UPSERT KEYS(ts, series_id)""",
        CURSORS: f"""CREATE TABLE IF NOT EXISTS {prefix}{CURSORS} (
            ts TIMESTAMP, name SYMBOL, position TIMESTAMP
        ) TIMESTAMP(ts) PARTITION BY YEAR WAL DEDUP UPSERT KEYS(ts, name)""",
    }


# What each table must look like: column -> (type, designated, upsert key).
EXPECTED: dict[str, dict[str, tuple[str, bool, bool]]] = {
    OBS: {
        "ts": ("TIMESTAMP", True, True),
        "series_id": ("SYMBOL", False, True),
        "value": ("DOUBLE", False, False),
        "realtime_start": ("TIMESTAMP", False, True),
        "known_at": ("TIMESTAMP", False, True),
        "source": ("SYMBOL", False, False),
        "ingested_at": ("TIMESTAMP", False, False),
        "revision": ("BOOLEAN", False, False),
    },
    FETCH: {
        "ts": ("TIMESTAMP", True, True),
        "series_id": ("SYMBOL", False, True),
        "last_updated": ("VARCHAR", False, False),
        "error": ("VARCHAR", False, False),
    },
    CURSORS: {
        "ts": ("TIMESTAMP", True, True),
        "name": ("SYMBOL", False, True),
        "position": ("TIMESTAMP", False, False),
    },
}


def upsert_keys(table: str) -> list[str]:
    return [name for name, (_, _, upsert) in EXPECTED[table].items() if upsert]


def schema_problems(table: str, columns: Sequence[Column]) -> list[str]:
    """How an existing table differs from ours (pure); empty when it matches."""
    found = {c.name: c for c in columns}
    problems = []
    for name, (kind, designated, upsert) in EXPECTED[table].items():
        col = found.get(name)
        if col is None:
            problems.append(f"missing column {name}")
        elif col.type.upper() != kind:
            problems.append(f"column {name} is {col.type}, expected {kind}")
        elif designated and not col.designated:
            problems.append(f"{name} is not the designated timestamp")
        elif upsert and not col.upsert_key:
            problems.append(f"{name} is not a DEDUP UPSERT KEY")
    return problems


def keys_only(problems: Sequence[str]) -> bool:
    """Whether only upsert keys are missing: ``ALTER TABLE ... DEDUP ENABLE`` mends that."""
    return bool(problems) and all(p.endswith("is not a DEDUP UPSERT KEY") for p in problems)


def conf_string(config: QuestDBConfig) -> str:
    """The ILP/HTTP client configuration (``http::`` or ``https::``), secrets excluded."""
    scheme = "https" if config.tls else "http"
    parts = [
        f"{scheme}::addr={config.host}:{config.http_port}",
        f"request_timeout={int(config.request_timeout * 1000)}",
        f"retry_timeout={int(config.retry_timeout * 1000)}",
        "auto_flush=off",
    ]
    if config.tls and not config.tls_verify:
        parts.append("tls_verify=unsafe_off")
    return ";".join(parts) + ";"


EPOCH_DAY = EPOCH.date().toordinal()
DAY_MICROS = 86_400_000_000


def _micros(moment: date | datetime) -> int:
    """Microseconds since the epoch (a date: its midnight UTC); called for every column of
    every row, so plain integer arithmetic (timedelta division was most of a write's time)."""
    if not isinstance(moment, datetime):
        return (moment.toordinal() - EPOCH_DAY) * DAY_MICROS
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class QuestDBStore:
    def __init__(self, config: QuestDBConfig) -> None:
        self.config = config
        self.prefix = config.table_prefix
        scheme = "https" if config.tls else "http"
        user, password = self._credentials()
        self.rest = QuestDBRest(
            f"{scheme}://{config.host}:{config.http_port}",
            timeout=config.request_timeout,
            auth=(user, password) if user and password else None,
            verify=config.tls_verify,
        )
        self._ready = False  # tables checked lazily: an unreachable server must not stop a run
        self._sender: Sender | None = None
        self._sending = threading.Lock()  # a Sender is not thread-safe
        # Written, maybe not yet applied: table -> the symbols (series ids) written there
        # since the last wait for its WAL; and how many transactions were ever sent.
        self._unapplied: dict[str, set[str]] = {}
        self._sent = 0
        self._bookkeeping = threading.Lock()
        self.rest.before_query = self.settle  # whatever is read through it sees our writes

    # -- schema -------------------------------------------------------------------------

    def init_schema(self) -> list[str]:
        """Create missing tables, check existing ones; the tables created."""
        existing = self.rest.tables()
        created = []
        for table, ddl in _ddl(self.prefix).items():
            name = self.prefix + table
            if name in existing:
                problems = schema_problems(table, self.rest.columns(name))
                if keys_only(problems):
                    problems = self._upgrade_keys(table, name)
                if problems:
                    raise StorageError(
                        f"QuestDB table {name} exists with a different schema: "
                        + "; ".join(problems)
                        + ". Rename or drop it, or set LIQUIDITY_QUESTDB_TABLE_PREFIX."
                    )
            else:
                self.rest.exec(ddl)
                created.append(name)
        self._ready = True
        return created

    def _upgrade_keys(self, table: str, name: str) -> list[str]:
        """Give our keys to a table created by an earlier version (e.g. observations
        without ``known_at`` among them): its rows are unique on the fewer keys, so on
        ours too. What still differs afterwards (nothing, normally)."""
        keys = ", ".join(upsert_keys(table))
        log.info("QuestDB: table %s gets DEDUP UPSERT KEYS(%s)", name, keys)
        try:
            self.rest.exec(f"ALTER TABLE {name} DEDUP ENABLE UPSERT KEYS({keys})")
        except StorageUnavailableError:
            raise
        except StorageError as exc:  # e.g. not a WAL table: no dedup at all
            return [f"its keys cannot be changed ({exc})"]
        # A WAL table applies the change in turn with its writes: wait, then check it.
        self.rest.wait_for_wal(name, self.config.wal_timeout)
        return schema_problems(table, self.rest.columns(name))

    def _table(self, table: str) -> str:
        if not self._ready:
            self.init_schema()
        return self.prefix + table

    # -- writes -------------------------------------------------------------------------

    def write(
        self, observations: Sequence[Observation], *, revision_known_at: datetime | None = None
    ) -> WriteResult:
        from concurrent.futures import ThreadPoolExecutor

        if not observations:
            return WriteResult()
        keys = _keys(observations)
        if int(keys[1].min()) < EPOCH_DAY:
            too_early = [o for o in observations if o.date < EPOCH.date()]
            raise StorageError(
                f"QuestDB stores dates from 1970 on; {too_early[0].series_id} has "
                f"{len(too_early)} earlier (first {too_early[0].date})"
            )
        table = self._table(OBS)
        # Only our unapplied rows of these series could change what the pre-write read
        # returns: a write of other series goes on while the server applies the last one.
        spans = _spans(*keys)
        self._settle([table], spans)
        # The pre-write read waits mostly on the server (after a write it reopens the
        # partitions it rewrote): build the other columns meanwhile.
        with ThreadPoolExecutor(1) as pool:
            asked = pool.submit(self._prior, table, spans)
            batch = _Columns.of(observations, keys)
            prior = asked.result()
        rows, revision, result = _classify(observations, batch, prior, revision_known_at)
        self._send_frame(table, _frame(rows, revision, _micros(clock.now())), set(spans))
        return result

    def record_fetch(
        self,
        series_id: str,
        fetched_at: datetime,
        *,
        last_updated: str | None = None,
        error: str | None = None,
    ) -> None:
        columns = {"last_updated": last_updated, "error": error}
        self._send(self._table(FETCH), [({"series_id": series_id}, columns, fetched_at)])

    def set_cursor(self, name: str, position: datetime) -> None:
        from questdb import TimestampMicros

        columns = {"position": TimestampMicros(_micros(position))}
        self._send(self._table(CURSORS), [({"name": name}, columns, clock.now())])

    def _prior(self, table: str, spans: dict[str, tuple[int, int]]) -> Prior:
        """The stored vintages of the batch's dates: one query per ``PRIOR_SERIES`` series
        (a query per series cost a round trip each) over the span of their dates. It may
        bring a series' rows of dates outside its own span, which no row of the batch looks
        up; a filter per series (``OR``) was slower than ``IN``, which the server answers at
        once for series it has never seen (a first load). Timestamps as integers
        (microseconds), parsed only once per distinct instant."""
        prior: dict[tuple[str, date], list[Vintage]] = defaultdict(list)
        days: dict[int, date] = {}
        instants: dict[int, datetime] = {}
        for group in _chunks(spans.items(), PRIOR_SERIES):
            lo, hi = min(f for _, (f, _) in group), max(la for _, (_, la) in group)
            sql = (
                "SELECT series_id, cast(ts AS long), cast(realtime_start AS long), "
                f"cast(known_at AS long), value FROM {table} "
                f"WHERE ts >= {sql_ts(_day(lo))} AND ts <= {sql_ts(_day(hi))} "
                f"AND series_id IN ({', '.join(sql_str(sid) for sid, _ in group)})"
            )
            for sid, ts, rs, known, value in self.rest.exec(sql, settle=False):
                day = days.get(ts) or days.setdefault(ts, _day_of(ts))
                start = days.get(rs) or days.setdefault(rs, _day_of(rs))
                seen = instants.get(known) or instants.setdefault(known, _instant(known))
                prior[(sid, day)].append((start, seen, float(value)))
        return prior

    def _send(
        self, table: str, rows: Iterable[tuple[dict[str, str], dict[str, Any], date]]
    ) -> None:
        """Rows as (symbols, columns, designated timestamp; a date is its midnight UTC), in
        flushes of ``questdb_flush_rows``, each an ILP/HTTP transaction."""
        from questdb import TimestampNanos

        rows = list(rows)
        keys = {value for symbols, _, _ in rows for value in symbols.values()}

        def put(chunk: list[tuple[dict[str, str], dict[str, Any], date]]) -> Put:
            def into(txn: Any) -> None:
                for symbols, columns, at in chunk:
                    txn.row(symbols=symbols, columns=columns, at=TimestampNanos(_micros(at) * 1000))

            return into, len(chunk)

        self._transact(table, map(put, _chunks(rows, self.config.flush_rows)), keys)

    def _send_frame(self, table: str, frame: Any, keys: set[str]) -> None:
        """Observation rows as a DataFrame (see ``_frame``), serialized by the client in C
        (the row API's per-row Python calls were most of a write), in transactions of
        ``questdb_flush_rows`` rows."""
        step = self.config.flush_rows

        def put(lo: int) -> Put:
            part = frame.iloc[lo : lo + step]  # a view, not a copy
            return (lambda txn: txn.dataframe(part, symbols=SYMBOLS, at="ts")), len(part)

        self._transact(table, map(put, range(0, len(frame), step)), keys)

    def _transact(self, table: str, parts: Iterable[Put], keys: set[str]) -> None:
        """Each part in an ILP/HTTP transaction of its own; a failure closes the sender and
        goes up as StorageUnavailableError (worth spooling) or StorageError (a client error:
        retrying won't help). What was sent counts as unapplied under ``keys`` (its symbols)
        until the next wait for the WAL (``settle``)."""
        from questdb import QuestDBError

        sent = 0
        with self._sending:
            try:
                sender = self._open_sender()
                for into, count in parts:
                    with sender.transaction(table) as txn:
                        into(txn)
                    sent += count
                    with self._bookkeeping:
                        self._unapplied.setdefault(table, set()).update(keys)
                        self._sent += 1
            except BaseException as exc:
                self._drop_sender()  # whatever state it is in, the next write starts afresh
                if not isinstance(exc, QuestDBError):
                    raise
                message = f"QuestDB write to {table} failed after {sent} rows: {_first_line(exc)}"
                if exc.code.name in CLIENT_ERRORS:
                    raise StorageError(message) from exc  # our bug or bad data: retrying won't help
                raise StorageUnavailableError(message) from exc

    def settle(self) -> None:
        """Wait until every write of this store so far is queryable: QuestDB applies a WAL
        table's transactions after it confirmed them. Every query through ``rest`` does
        this first, and ``close`` too."""
        with self._bookkeeping:
            tables = list(self._unapplied)
        self._settle(tables)

    def _settle(self, tables: Sequence[str], keys: Iterable[str] | None = None) -> None:
        """Wait for the WAL of those of ``tables`` that have writes of ours not known applied
        (with ``keys``: only if any of those writes carry one of them). A WAL not applied in
        ``questdb_wal_timeout`` is logged and not waited for again; a suspended one raises."""
        with self._bookkeeping:
            sent = self._sent
            wanted = [t for t in tables if t in self._unapplied]
            if keys is not None:
                wanted = [t for t in wanted if not self._unapplied[t].isdisjoint(keys)]
        for table in wanted:
            if not self.rest.wait_for_wal(table, self.config.wal_timeout):
                log.warning(
                    "QuestDB: WAL of %s not applied after %ss", table, self.config.wal_timeout
                )
        with self._bookkeeping:
            if self._sent == sent:  # else a write went out meanwhile: it may still be unapplied
                for table in wanted:
                    self._unapplied.pop(table, None)

    def _open_sender(self) -> Sender:
        if self._sender is None:
            from questdb import Sender

            user, password = self._credentials()
            sender = Sender.from_conf(conf_string(self.config), username=user, password=password)
            sender.establish()  # type: ignore[no-untyped-call]  # untyped in its stub
            self._sender = sender
        return self._sender

    def _drop_sender(self) -> None:
        """Close the sender without flushing: a transaction that failed is not resent from
        here (the caller spools the whole write, and replaying it is idempotent)."""
        sender, self._sender = self._sender, None
        if sender is not None:
            from questdb import QuestDBError

            try:
                sender.close(flush=False)
            except QuestDBError as exc:
                log.debug("QuestDB: closing a failed sender: %s", _first_line(exc))

    def _credentials(self) -> tuple[str | None, str | None]:
        c = self.config
        if c.user and c.password is not None:
            return c.user, c.password.get_secret_value()
        return None, None

    # -- reads --------------------------------------------------------------------------

    def read(
        self,
        series_id: str,
        *,
        start: date | None = None,
        end: date | None = None,
        as_of: datetime | None = None,
    ) -> list[Observation]:
        where = [f"ts >= {sql_ts(start)}"] if start else []
        where += [f"ts <= {sql_ts(end)}"] if end else []
        where += [f"known_at <= {sql_ts(as_of)}"] if as_of else []
        return self._latest_per_date(series_id, " AND ".join(where) or "true")

    def vintages(self, series_id: str, *, end: date | None = None) -> list[Observation]:
        where = [f"series_id = {sql_str(series_id)}"]
        where += [f"ts <= {sql_ts(end)}"] if end else []
        rows = self.rest.exec(
            f"SELECT series_id, ts, value, realtime_start, known_at, source "
            f"FROM {self._table(OBS)} WHERE {' AND '.join(where)} ORDER BY ts, realtime_start"
        )
        return [_row_observation(r) for r in rows]

    def latest(
        self, series_ids: Iterable[str] | None = None, *, as_of: datetime | None = None
    ) -> dict[str, Observation]:
        table = self._table(OBS)
        known = f"known_at <= {sql_ts(as_of)}" if as_of else "true"
        ids = list(series_ids) if series_ids is not None else None
        if ids is not None and not ids:
            return {}
        only = f" AND series_id IN ({', '.join(sql_str(i) for i in ids)})" if ids else ""
        last = self.rest.exec(
            f"SELECT series_id, max(ts) FROM {table} WHERE {known}{only} GROUP BY series_id"
        )
        out: dict[str, Observation] = {}
        for sid, ts in last:
            known_then = f"ts = {sql_ts(_parse(ts))} AND {known}"
            out.update((sid, obs) for obs in self._latest_per_date(sid, known_then))
        return out

    def states(self) -> dict[str, SeriesState]:
        obs, fetch = self._table(OBS), self._table(FETCH)
        agg = self.rest.exec(f"SELECT series_id, max(ts), count() FROM {obs} GROUP BY series_id")
        latest = self.rest.exec(
            f"SELECT series_id, ts, last_updated, error FROM {fetch} "
            "LATEST ON ts PARTITION BY series_id"
        )
        ok = self.rest.exec(
            f"SELECT series_id, ts, last_updated FROM {fetch} WHERE error IS NULL "
            "LATEST ON ts PARTITION BY series_id"
        )
        last_ok = {sid: (parse_ts(ts), stamp) for sid, ts, stamp in ok}
        fetched = {sid: (parse_ts(ts), err) for sid, ts, _, err in latest}
        data = {sid: (_date(ts), int(n)) for sid, ts, n in agg}
        out = {}
        for sid in set(data) | set(fetched):
            last_date, rows = data.get(sid, (None, 0))
            at, error = fetched.get(sid, (None, None))
            success_at, stamp = last_ok.get(sid, (None, None))
            out[sid] = SeriesState(sid, last_date, at, stamp, rows, success_at, error)
        return out

    def changes(self, since: datetime | None, *, limit: int = 10_000) -> list[Change]:
        where = f"ingested_at > {sql_ts(since)}" if since else "true"
        rows = self.rest.exec(
            f"SELECT series_id, ts, value, realtime_start, known_at, source, ingested_at, revision "
            f"FROM {self._table(OBS)} WHERE {where} ORDER BY ingested_at, series_id, ts"
        )
        out: list[Change] = []
        writes: set[str] = set()
        for row in rows:
            if row[6] not in writes and len(writes) == limit:
                break  # never split a write: rows of one write share ingested_at
            writes.add(row[6])
            out.append(Change(_row_observation(row), _parse(row[6]), bool(row[7])))
        return out

    def get_cursor(self, name: str) -> datetime | None:
        rows = self.rest.exec(
            f"SELECT position FROM {self._table(CURSORS)} WHERE name = {sql_str(name)} "
            "LATEST ON ts PARTITION BY name"
        )
        return parse_ts(rows[0][0]) if rows else None

    def close(self) -> None:
        """Wait until our writes are queryable (so that they are, for anyone, once a run has
        ended), then close the sender (its buffer is empty between writes: each transaction
        flushed or failed as a whole) and the REST client."""
        try:
            self.settle()
        except StorageError as exc:  # the rows are in QuestDB's WAL all the same
            log.warning("QuestDB: writes not known applied at close: %s", exc)
        with self._sending:
            sender, self._sender = self._sender, None
        try:
            if sender is not None:
                sender.close()
        finally:
            self.rest.close()

    def _latest_per_date(self, series_id: str, where: str) -> list[Observation]:
        """Per date, the row known last; on a tie an exact vintage, then the later
        realtime_start (the same rule as DuckDB's, see storage/base.py). The server keeps
        the rows known last of each date (``rank() = 1``: ties included), so a date's older
        vintages never cross the wire; the tie-break happens here. Timestamps come as
        integers (microseconds), and only the rows chosen become dates and datetimes."""
        rows = self.rest.exec(
            "SELECT cast(ts AS long), value, cast(realtime_start AS long), "
            "cast(known_at AS long), source FROM ("
            "SELECT ts, value, realtime_start, known_at, source, "
            "rank() OVER (PARTITION BY ts ORDER BY known_at DESC) known_rank "
            f"FROM {self._table(OBS)} WHERE series_id = {sql_str(series_id)} AND {where}"
            ") WHERE known_rank = 1"
        )
        rows.sort(key=lambda r: (r[0], r[3], r[4] == VINTAGE_SOURCE, r[2]))
        instants: dict[int, datetime] = {}
        out = []
        for i, (ts, value, rs, known, source) in enumerate(rows):
            if i + 1 == len(rows) or rows[i + 1][0] != ts:
                seen = instants.get(known) or instants.setdefault(known, _instant(known))
                out.append(
                    Observation(series_id, _day_of(ts), float(value), _day_of(rs), seen, source)
                )
        return out


@dataclass(frozen=True, slots=True)
class _Columns:
    """Observations as columns: dates as proleptic ordinals, instants as microseconds since
    the epoch, strings as object arrays. Built in a few C-level passes over the batch."""

    series_id: np.ndarray[Any, np.dtype[np.object_]]
    day: np.ndarray[Any, np.dtype[np.int64]]
    value: np.ndarray[Any, np.dtype[np.float64]]
    realtime_start: np.ndarray[Any, np.dtype[np.int64]]
    known_at: np.ndarray[Any, np.dtype[np.int64]]
    source: np.ndarray[Any, np.dtype[np.object_]]

    @classmethod
    def of(cls, observations: Sequence[Observation], keys: Keys | None = None) -> _Columns:
        """``keys``: the batch's ``_keys``, when already built."""
        n = len(observations)
        known = [o.known_at for o in observations]
        micros = {k: _micros(k) for k in set(known)}  # a batch has few distinct instants
        return cls(
            *(keys or _keys(observations)),
            np.array([o.value for o in observations], dtype=np.float64),
            np.fromiter(map(date.toordinal, [o.realtime_start for o in observations]), np.int64, n),
            np.fromiter(map(micros.__getitem__, known), np.int64, n),
            np.array([o.source for o in observations], dtype=object),
        )

    def take(self, which: np.ndarray[Any, Any]) -> _Columns:
        """The rows a boolean mask or an index array selects (copies of those rows only)."""
        return _Columns(*(getattr(self, f)[which] for f in _FIELDS))


# A batch's series ids (object array) and dates (proleptic ordinals).
Keys = tuple[np.ndarray[Any, np.dtype[np.object_]], np.ndarray[Any, np.dtype[np.int64]]]


def _keys(observations: Sequence[Observation]) -> Keys:
    return (
        np.array([o.series_id for o in observations], dtype=object),
        np.fromiter(
            map(date.toordinal, [o.date for o in observations]), np.int64, len(observations)
        ),
    )


def _spans(
    series_id: np.ndarray[Any, np.dtype[np.object_]], day: np.ndarray[Any, np.dtype[np.int64]]
) -> dict[str, tuple[int, int]]:
    """Per series, its first and last date (ordinals); in one pass over the batch (a mask
    per series was a pass each)."""
    import pandas as pd

    codes, names = pd.factorize(series_id)
    first = np.full(len(names), np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(len(names), np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(first, codes, day)
    np.maximum.at(last, codes, day)
    return {str(n): (int(a), int(b)) for n, a, b in zip(names, first, last, strict=True)}


_FIELDS = ("series_id", "day", "value", "realtime_start", "known_at", "source")


def _classify(
    observations: Sequence[Observation],
    batch: _Columns,
    prior: Prior,
    revision_known_at: datetime | None,
) -> tuple[_Columns, np.ndarray[Any, np.dtype[np.bool_]], WriteResult]:
    """``classify``'s rules, with a fast path for the common case. Rows of different
    ``(series_id, date)`` never affect each other's classification; a row whose
    ``(series_id, date)`` has no prior vintage and no other row in the batch is new, written
    as it is. Only the other rows (a prior exists, or the batch holds several vintages of
    the date) go through ``classify``. The rows to write, their revision flags, the counts."""
    import pandas as pd

    codes, names = pd.factorize(batch.series_id)
    code_of = {str(name): i for i, name in enumerate(names)}
    key = (codes.astype(np.int64) << 32) | batch.day
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    lone = counts[inverse.reshape(-1)] == 1
    if prior:
        known = np.array(
            [(code_of[sid] << 32) | day.toordinal() for sid, day in prior if sid in code_of],
            dtype=np.int64,
        )
        lone &= ~np.isin(key, known)
    new = int(lone.sum())
    if new == len(observations):  # a first load: nothing to compare with
        return batch, np.zeros(new, dtype=bool), WriteResult(inserted=new)
    rest = [observations[i] for i in np.flatnonzero(~lone).tolist()]
    rows, result = classify(rest, prior, revision_known_at)
    classified = _Columns.of([r.observation for r in rows])
    merged = _Columns(
        *(np.concatenate([getattr(batch, f)[lone], getattr(classified, f)]) for f in _FIELDS)
    )
    revision = np.concatenate(
        [np.zeros(new, dtype=bool), np.array([r.revision for r in rows], dtype=bool)]
    )
    order = np.argsort(merged.day, kind="stable")  # in time order, as the server likes it
    result = WriteResult(
        inserted=new + result.inserted, revised=result.revised, unchanged=result.unchanged
    )
    return merged.take(order), revision[order], result


def _frame(rows: _Columns, revision: np.ndarray[Any, np.dtype[np.bool_]], ingested_at: int) -> Any:
    """The rows as the client's ``dataframe`` wants them: instants as ``datetime64[us]``
    (naive, read as UTC), ``ts`` the designated timestamp. Symbols go as the object arrays
    they are: the client writes them as fast as categoricals, which cost a pass to build."""
    import pandas as pd

    def stamp(micros: np.ndarray[Any, np.dtype[np.int64]]) -> np.ndarray[Any, Any]:
        return micros.view("datetime64[us]")

    def midnight(ordinals: np.ndarray[Any, np.dtype[np.int64]]) -> np.ndarray[Any, Any]:
        return stamp((ordinals - EPOCH_DAY) * DAY_MICROS)

    n = len(rows.day)
    return pd.DataFrame(
        {
            # dtype=object: else pandas 3 infers its str dtype, another pass over the rows
            "series_id": pd.Series(rows.series_id, dtype=object, copy=False),
            "source": pd.Series(rows.source, dtype=object, copy=False),
            "value": rows.value,
            "realtime_start": midnight(rows.realtime_start),
            "known_at": stamp(rows.known_at),
            "ingested_at": stamp(np.full(n, ingested_at, dtype=np.int64)),
            "revision": revision,
            "ts": midnight(rows.day),
        },
        copy=False,
    )


def _day(ordinal: int) -> date:
    return date.fromordinal(ordinal)


def _day_of(micros: int) -> date:
    return date.fromordinal(EPOCH_DAY + micros // DAY_MICROS)


def _instant(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _parse(value: str) -> datetime:
    parsed = parse_ts(value)
    assert parsed is not None
    return parsed


def _date(value: str) -> date:
    return _parse(value).date()


def _row_observation(row: list[Any]) -> Observation:
    sid, ts, value, rs, known, source = row[:6]
    return Observation(sid, _date(ts), float(value), _date(rs), _parse(known), source)
