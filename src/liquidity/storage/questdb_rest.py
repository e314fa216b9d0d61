"""QuestDB over its REST ``/exec`` endpoint: queries, DDL, schema checks, WAL waits.

Why REST and not PGWire: it is the same port and credentials as ILP/HTTP, it
needs no driver beyond httpx (already ours), and it avoids PGWire's pitfalls in
QuestDB 8.0 (timezone-aware and bool parameters). ``/exec`` takes no bind
parameters, so every literal goes through ``sql_str``/``sql_ts``, which only
accept typed values.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx

from liquidity.errors import StorageError, StorageUnavailableError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_ts(value: date | datetime) -> str:
    """A UTC timestamp literal; a date is its midnight UTC. The year has four digits:
    QuestDB refuses ``1-01-01`` ("Invalid date"), which strftime's ``%Y`` writes for year 1
    (``--start 0001-01-01``, a clamped ``--as-of``); 0001 to 9999 all parse."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif value.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    utc = value.astimezone(UTC).replace(tzinfo=None)
    return sql_str(utc.isoformat(timespec="microseconds") + "Z")


def parse_ts(value: str | None) -> datetime | None:
    """QuestDB's JSON timestamps ("2026-08-05T00:00:00.000000Z") as aware UTC."""
    if value is None:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    designated: bool = False
    upsert_key: bool = False


class QuestDBRest:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        auth: tuple[str, str] | None = None,
        verify: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, auth=auth, verify=verify)
        # Called before every query (unless ``settle=False``): the store's wait for the WAL
        # of its own writes, so that whatever is read through here sees them.
        self.before_query: Callable[[], None] | None = None

    def exec(self, sql: str, *, settle: bool = True) -> list[list[Any]]:
        """Run one statement; the dataset rows (empty for DDL)."""
        return self.query(sql, settle=settle)[1]

    def query(self, sql: str, *, settle: bool = True) -> tuple[list[str], list[list[Any]]]:
        """Run one statement; its column names and rows. ``settle=False``: without calling
        ``before_query`` first."""
        if settle and self.before_query is not None:
            self.before_query()
        try:
            response = self._http.get("/exec", params={"query": sql})
        except httpx.TransportError as exc:
            raise StorageUnavailableError(
                f"QuestDB unreachable at {self.base_url} ({type(exc).__name__})"
            ) from exc
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            raise StorageUnavailableError(
                f"QuestDB at {self.base_url} answered HTTP {response.status_code}"
            )
        try:
            body = response.json()
        except ValueError:
            raise StorageError(
                f"QuestDB at {self.base_url}: HTTP {response.status_code}, body is not JSON"
            ) from None
        if "error" in body:
            raise StorageError(f"QuestDB rejected a query: {body['error']}")
        names = [c["name"] for c in body.get("columns", [])]
        return names, list(body.get("dataset", []))

    def columns(self, table: str) -> list[Column]:
        names, rows = self.query(f"SELECT * FROM table_columns({sql_str(table)})")
        index = {n: i for i, n in enumerate(names)}
        out = []
        for row in rows:
            designated = row[index["designated"]] if "designated" in index else False
            upsert = row[index["upsertKey"]] if "upsertKey" in index else False
            out.append(Column(row[index["column"]], row[index["type"]], designated, upsert))
        return out

    def tables(self) -> set[str]:
        return {row[0] for row in self.exec("SELECT table_name FROM tables()")}

    def wait_for_wal(self, table: str, timeout: float) -> bool:
        """Wait until the WAL of ``table`` is applied (readable); False on timeout."""
        sql = (
            "SELECT writerTxn, sequencerTxn, suspended FROM wal_tables() "
            f"WHERE name = {sql_str(table)}"
        )
        deadline = time.monotonic() + timeout
        pause = 0.002  # a small write applies in milliseconds: poll fast, then back off
        while True:
            rows = self.exec(sql, settle=False)
            if not rows:
                return True  # not a WAL table: writes are visible at once
            writer, sequencer, suspended = rows[0]
            if suspended:
                raise StorageError(
                    f"QuestDB table {table} is suspended (WAL apply failed); "
                    f"see wal_tables() and ALTER TABLE {table} RESUME WAL"
                )
            if writer >= sequencer:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

    def close(self) -> None:
        self._http.close()
