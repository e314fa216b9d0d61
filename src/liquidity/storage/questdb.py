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
Classification (new / revised / unchanged) reads the prior vintages first and
applies ``classify``; after a write we wait until the WAL is applied so that
the next read sees it.

One ILP ``Sender`` per store, opened at the first write and reused (the client
warns about a "burst of reconnections" when one is opened per write); a send
that fails closes it, so the next write opens a fresh one, and the error goes up
as ``StorageUnavailableError`` for the spool to keep the rows.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from liquidity import clock
from liquidity.errors import StorageError, StorageUnavailableError
from liquidity.models import VINTAGE_SOURCE, Change, Observation, SeriesState, WriteResult
from liquidity.storage.classify import Prior, ToWrite, Vintage, classify
from liquidity.storage.questdb_rest import EPOCH, Column, QuestDBRest, parse_ts, sql_str, sql_ts

if TYPE_CHECKING:
    from pydantic import SecretStr
    from questdb import Sender

log = logging.getLogger(__name__)

OBS, FETCH, CURSORS = "observations", "fetch_state", "cursors"
# Client-side errors; every other failure (socket, timeout, server) is worth spooling.
CLIENT_ERRORS = frozenset(
    {"InvalidApiCall", "InvalidUtf8", "InvalidName", "InvalidTimestamp", "ConfigError"}
)


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
        "ts": ("TIMESTAMP", True, True), "series_id": ("SYMBOL", False, True),
        "value": ("DOUBLE", False, False), "realtime_start": ("TIMESTAMP", False, True),
        "known_at": ("TIMESTAMP", False, True), "source": ("SYMBOL", False, False),
        "ingested_at": ("TIMESTAMP", False, False), "revision": ("BOOLEAN", False, False),
    },
    FETCH: {
        "ts": ("TIMESTAMP", True, True), "series_id": ("SYMBOL", False, True),
        "last_updated": ("VARCHAR", False, False), "error": ("VARCHAR", False, False),
    },
    CURSORS: {
        "ts": ("TIMESTAMP", True, True), "name": ("SYMBOL", False, True),
        "position": ("TIMESTAMP", False, False),
    },
}  # fmt: skip


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
        if not observations:
            return WriteResult()
        too_early = [o for o in observations if o.date < EPOCH.date()]
        if too_early:
            raise StorageError(
                f"QuestDB stores dates from 1970 on; {too_early[0].series_id} has "
                f"{len(too_early)} earlier (first {too_early[0].date})"
            )
        table = self._table(OBS)
        rows, result = classify(observations, self._prior(table, observations), revision_known_at)
        self._send(table, _observation_rows(rows, clock.now()))
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

    def _prior(self, table: str, observations: Sequence[Observation]) -> Prior:
        spans: dict[str, list[date]] = defaultdict(list)
        for o in observations:
            spans[o.series_id].append(o.date)
        prior: dict[tuple[str, date], list[Vintage]] = defaultdict(list)
        for sid, days in spans.items():
            sql = (
                f"SELECT ts, realtime_start, known_at, value FROM {table} "
                f"WHERE series_id = {sql_str(sid)} "
                f"AND ts >= {sql_ts(min(days))} AND ts <= {sql_ts(max(days))}"
            )
            for ts, rs, known, value in self.rest.exec(sql):
                prior[(sid, _date(ts))].append((_date(rs), _parse(known), float(value)))
        return prior

    def _send(
        self, table: str, rows: Iterable[tuple[dict[str, str], dict[str, Any], date]]
    ) -> None:
        """Rows as (symbols, columns, designated timestamp; a date is its midnight UTC), in
        flushes of ``questdb_flush_rows``, each an ILP/HTTP transaction; then wait for the WAL."""
        from questdb import QuestDBError, TimestampNanos

        sent = 0
        with self._sending:
            try:
                sender = self._open_sender()
                for chunk in _chunks(rows, self.config.flush_rows):
                    with sender.transaction(table) as txn:
                        for symbols, columns, at in chunk:
                            txn.row(symbols=symbols, columns=columns,
                                    at=TimestampNanos(_micros(at) * 1000))  # fmt: skip
                    sent += len(chunk)
            except BaseException as exc:
                self._drop_sender()  # whatever state it is in, the next write starts afresh
                if not isinstance(exc, QuestDBError):
                    raise
                message = f"QuestDB write to {table} failed after {sent} rows: {_first_line(exc)}"
                if exc.code.name in CLIENT_ERRORS:
                    raise StorageError(message) from exc  # our bug or bad data: retrying won't help
                raise StorageUnavailableError(message) from exc
        if sent and not self.rest.wait_for_wal(table, self.config.wal_timeout):
            log.warning("QuestDB: WAL of %s not applied after %ss", table, self.config.wal_timeout)

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
        where = [f"series_id = {sql_str(series_id)}"]
        where += [f"ts >= {sql_ts(start)}"] if start else []
        where += [f"ts <= {sql_ts(end)}"] if end else []
        where += [f"known_at <= {sql_ts(as_of)}"] if as_of else []
        return list(_latest_per_date(self._select(" AND ".join(where))))

    def vintages(self, series_id: str, *, end: date | None = None) -> list[Observation]:
        where = [f"series_id = {sql_str(series_id)}"]
        where += [f"ts <= {sql_ts(end)}"] if end else []
        return [_row_observation(r) for r in self._select(" AND ".join(where))]

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
            rows = self._select(
                f"series_id = {sql_str(sid)} AND ts = {sql_ts(_parse(ts))} AND {known}"
            )
            for obs in _latest_per_date(rows):
                out[sid] = obs
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
        """Close the sender (its buffer is empty between writes: each transaction flushed
        or failed as a whole) and the REST client."""
        with self._sending:
            sender, self._sender = self._sender, None
        try:
            if sender is not None:
                sender.close()
        finally:
            self.rest.close()

    def _select(self, where: str) -> list[list[Any]]:
        return self.rest.exec(
            f"SELECT series_id, ts, value, realtime_start, known_at, source "
            f"FROM {self._table(OBS)} WHERE {where} ORDER BY ts, realtime_start"
        )


def _observation_rows(
    rows: Iterable[ToWrite], now: datetime
) -> Iterator[tuple[dict[str, str], dict[str, Any], date]]:
    from questdb import TimestampMicros  # once per write, not per row

    ingested_at = TimestampMicros(_micros(now))
    for row in rows:
        o = row.observation
        columns = {
            "value": o.value,
            "realtime_start": TimestampMicros(_micros(o.realtime_start)),
            "known_at": TimestampMicros(_micros(o.known_at)),
            "ingested_at": ingested_at,
            "revision": row.revision,
        }
        yield {"series_id": o.series_id, "source": o.source}, columns, o.date


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


def _latest_per_date(rows: list[list[Any]]) -> Iterator[Observation]:
    """Per date, the row known last; on a tie an exact vintage, then the later
    realtime_start (the same rule as DuckDB's, see storage/base.py)."""
    rows = sorted(rows, key=lambda r: (r[1], r[4], r[5] == VINTAGE_SOURCE, r[3]))
    for i, row in enumerate(rows):
        if i + 1 == len(rows) or rows[i + 1][1] != row[1]:
            yield _row_observation(row)
