"""A durable local spool in front of any store: an outage loses nothing.

Every mutating call (write, record_fetch, set_cursor) first replays what is
spooled, oldest first, deleting each entry once the store confirmed it; if the
store is unavailable, the call itself joins the spool. So order is kept, and a
process killed between a confirmed replay and its deletion only replays that
entry again, which the store's idempotent upsert turns into a no-op. The spool
is SQLite (WAL journal, synchronous FULL): it survives restarts and kill -9.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from liquidity import clock
from liquidity.errors import StorageError, StorageUnavailableError
from liquidity.models import Observation, SeriesState, WriteResult
from liquidity.storage.base import ForwardingStore, Store

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS ops (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Spool:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot open the spool {self.path}: {exc}") from exc

    def append(self, kind: str, payload: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT INTO ops (kind, payload, created_at) VALUES (?, ?, ?)",
            (kind, json.dumps(payload), clock.now().isoformat()),
        )

    def entries(self) -> list[tuple[int, str, dict[str, Any]]]:
        rows = self._db.execute("SELECT id, kind, payload FROM ops ORDER BY id").fetchall()
        return [(i, kind, json.loads(payload)) for i, kind, payload in rows]

    def delete(self, entry_id: int) -> None:
        self._db.execute("DELETE FROM ops WHERE id = ?", (entry_id,))

    def depth(self) -> tuple[int, int]:
        """(entries, observation rows) waiting."""
        rows = self._db.execute("SELECT kind, payload FROM ops").fetchall()
        spooled = sum(len(json.loads(p)["rows"]) for k, p in rows if k == "write")
        return len(rows), spooled

    def put_cache(self, key: str, value: Any) -> None:
        self._db.execute(
            "INSERT INTO cache VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value, default=str)),
        )

    def get_cache(self, key: str) -> Any:
        row = self._db.execute("SELECT value FROM cache WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def close(self) -> None:
        self._db.close()


class SpoolingStore(ForwardingStore):
    """A ``Store`` that falls back to a ``Spool`` while the inner store is unavailable;
    reads go straight through (``ForwardingStore``), ``states`` has a cached copy.

    After a failure it stops asking the inner store for ``cooldown`` seconds, so a
    store that hangs costs one timeout per run, not one per series.
    """

    def __init__(self, inner: Store, spool: Spool, *, cooldown: float = 30.0) -> None:
        super().__init__(inner)  # a ``base.Wrapper``: ``schema_of`` finds QuestDB's schema
        self.spool = spool
        self.cooldown = cooldown
        self._down_until = 0.0

    # -- mutations: replay first, spool on outage ---------------------------------------

    def write(
        self, observations: Sequence[Observation], *, revision_known_at: datetime | None = None
    ) -> WriteResult:
        if not observations:
            return WriteResult()
        payload = {
            "rows": [_encode(o) for o in observations],
            "revision_known_at": revision_known_at.isoformat() if revision_known_at else None,
        }
        if self._drained():
            try:
                return self.inner.write(observations, revision_known_at=revision_known_at)
            except StorageUnavailableError as exc:
                self._mark_down(exc)
        self.spool.append("write", payload)
        return WriteResult(spooled=len(observations))

    def record_fetch(
        self,
        series_id: str,
        fetched_at: datetime,
        *,
        last_updated: str | None = None,
        error: str | None = None,
    ) -> None:
        payload = {
            "series_id": series_id,
            "fetched_at": fetched_at.isoformat(),
            "last_updated": last_updated,
            "error": error,
        }
        self._apply_or_spool("fetch", payload)

    def set_cursor(self, name: str, position: datetime) -> None:
        self._apply_or_spool("cursor", {"name": name, "position": position.isoformat()})

    def spool_depth(self) -> tuple[int, int]:
        """(entries, observation rows) waiting in the spool."""
        return self.spool.depth()

    def flush_spool(self) -> tuple[int, WriteResult]:
        """Replay everything spooled; (entries replayed, what the writes did).
        Raises ``StorageUnavailableError`` if the store is still unavailable."""
        done, total = 0, WriteResult()
        for entry_id, kind, payload in self.spool.entries():
            total += self._replay(kind, payload)
            self.spool.delete(entry_id)
            done += 1
        return done, total

    def _drained(self) -> bool:
        """True when the spool is empty and the store may be asked directly."""
        if time.monotonic() < self._down_until:
            return False
        try:
            self.flush_spool()
        except StorageUnavailableError as exc:
            self._mark_down(exc)
            return False
        return True

    def _mark_down(self, exc: StorageUnavailableError) -> None:
        log.info("store unavailable, spooling for %gs: %s", self.cooldown, exc)
        self._down_until = time.monotonic() + self.cooldown

    def _apply_or_spool(self, kind: str, payload: dict[str, Any]) -> None:
        if self._drained():
            try:
                self._replay(kind, payload)
                return
            except StorageUnavailableError as exc:
                self._mark_down(exc)
        self.spool.append(kind, payload)

    def _replay(self, kind: str, payload: dict[str, Any]) -> WriteResult:
        if kind == "write":
            known = payload["revision_known_at"]
            rows = [_decode(r) for r in payload["rows"]]
            return self.inner.write(
                rows, revision_known_at=datetime.fromisoformat(known) if known else None
            )
        if kind == "fetch":
            self.inner.record_fetch(
                payload["series_id"],
                datetime.fromisoformat(payload["fetched_at"]),
                last_updated=payload["last_updated"],
                error=payload["error"],
            )
        elif kind == "cursor":
            self.inner.set_cursor(payload["name"], datetime.fromisoformat(payload["position"]))
        else:
            raise StorageError(f"unknown spool entry kind {kind!r}")
        return WriteResult()

    # -- reads: straight through (inherited), except states: a cached copy on outage -----

    def states(self) -> dict[str, SeriesState]:
        try:
            states = self.inner.states()
        except StorageUnavailableError as exc:
            self._mark_down(exc)
            cached = self.spool.get_cache("states") or {}
            return {sid: _state(v) for sid, v in cached.items()}
        self.spool.put_cache("states", {sid: asdict(s) for sid, s in states.items()})
        return states

    def close(self) -> None:
        self.spool.close()
        self.inner.close()


def _encode(o: Observation) -> list[Any]:
    return [
        o.series_id,
        o.date.isoformat(),
        o.value,
        o.realtime_start.isoformat(),
        o.known_at.isoformat(),
        o.source,
    ]


def _decode(row: list[Any]) -> Observation:
    sid, day, value, rs, known, source = row
    return Observation(
        sid,
        date.fromisoformat(day),
        float(value),
        date.fromisoformat(rs),
        datetime.fromisoformat(known),
        source,
    )


def _state(value: dict[str, Any]) -> SeriesState:
    def moment(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text) if text else None

    return SeriesState(
        value["series_id"],
        date.fromisoformat(value["last_date"]) if value["last_date"] else None,
        moment(value["last_fetched_at"]),
        value["last_updated"],
        int(value["rows"]),
        moment(value["last_success_at"]),
        value["last_error"],
    )
