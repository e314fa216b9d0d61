"""The storage protocol every backend implements.

A row's key is ``(series_id, date, realtime_start, known_at)``, and writes are
idempotent on it. A value equal to the latest one known for its date writes
nothing; a changed value is a new vintage row, known from the revision instant
(when we saw it), even when it shares its ``realtime_start`` with the prior row:
two values seen on one day are two vintages. Only a write of the very same key
replaces a row. "As of T" means: for each date, among the rows with
``known_at <= T``, the one known last; on a tie an exact ALFRED vintage wins,
then the later ``realtime_start``. (Ordering by ``realtime_start`` alone would
let a value first seen by a plain fetch, stamped with its *estimated* first
release but today's ``realtime_start``, shadow the vintages a later backfill
brings: the look-ahead this store exists to prevent.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Protocol, runtime_checkable

from liquidity.models import Change, Observation, SeriesState, WriteResult


class Store(Protocol):
    def write(
        self, observations: Sequence[Observation], *, revision_known_at: datetime | None = None
    ) -> WriteResult:
        """Upsert rows. A revision found without vintage information is stamped
        ``known_at = revision_known_at`` (when we saw it) instead of the row's own."""
        ...

    def read(
        self,
        series_id: str,
        *,
        start: date | None = None,
        end: date | None = None,
        as_of: datetime | None = None,
    ) -> list[Observation]:
        """One row per date, ascending: the latest known (as of ``as_of`` if given)."""
        ...

    def vintages(self, series_id: str, *, end: date | None = None) -> list[Observation]:
        """Every stored row (every vintage) of a series dated up to ``end``, in any order:
        the input of the real-time view (``liquidity.catalog.compute.realtime``)."""
        ...

    def latest(
        self, series_ids: Iterable[str] | None = None, *, as_of: datetime | None = None
    ) -> dict[str, Observation]:
        """The newest observation per series."""
        ...

    def states(self) -> dict[str, SeriesState]:
        """Bookkeeping per series that has rows or fetches."""
        ...

    def record_fetch(
        self,
        series_id: str,
        fetched_at: datetime,
        *,
        last_updated: str | None = None,
        error: str | None = None,
    ) -> None:
        """Remember a fetch attempt: its time, the source's stamp, or the error."""
        ...

    def changes(self, since: datetime | None, *, limit: int = 10_000) -> list[Change]:
        """Rows stored after ``since`` (by ``ingested_at``), oldest first, from at most
        ``limit`` writes (a write is never split): the feed a publisher follows."""
        ...

    def get_cursor(self, name: str) -> datetime | None:
        """A named position in the change feed (e.g. what was published)."""
        ...

    def set_cursor(self, name: str, position: datetime) -> None: ...

    def close(self) -> None: ...


# -- optional capabilities --------------------------------------------------------------
# Not every store has them; ask with ``schema_of`` / ``spool_of``, which also look
# inside a wrapper (the spool around QuestDB, the daemon's timing), never with getattr.


@runtime_checkable
class HasSchema(Protocol):
    """A store whose tables are created by us (QuestDB), not on open (DuckDB)."""

    def init_schema(self) -> list[str]:
        """Create missing tables, check existing ones; the names of those created."""
        ...


@runtime_checkable
class Spooled(Protocol):
    """A store that keeps writes in a local spool while its backend is down."""

    def spool_depth(self) -> tuple[int, int]:
        """(entries, rows) waiting in the spool."""
        ...

    def flush_spool(self) -> tuple[int, WriteResult]:
        """Replay everything spooled; (entries replayed, what the writes did)."""
        ...


@runtime_checkable
class Wrapper(Protocol):
    """A store around another one; the capabilities of ``inner`` are its capabilities."""

    @property
    def inner(self) -> Store: ...


def layers(store: Store) -> Iterator[Store]:
    """``store``, then each store it wraps, outermost first."""
    yield store
    while isinstance(store, Wrapper):
        store = store.inner
        yield store


def schema_of(store: Store) -> HasSchema | None:
    """The layer of ``store`` that manages its own tables, if any."""
    return next((s for s in layers(store) if isinstance(s, HasSchema)), None)


def spool_of(store: Store) -> Spooled | None:
    """The layer of ``store`` that spools during outages, if any."""
    return next((s for s in layers(store) if isinstance(s, Spooled)), None)


class ForwardingStore:
    """A ``Store`` that hands every call to ``inner``: a wrapper subclasses it and
    overrides only what it changes (the daemon's timing, the spool's fallback). A
    ``Wrapper``: ``schema_of`` / ``spool_of`` find the capabilities of ``inner``."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner

    def write(
        self, observations: Sequence[Observation], *, revision_known_at: datetime | None = None
    ) -> WriteResult:
        return self.inner.write(observations, revision_known_at=revision_known_at)

    def read(
        self,
        series_id: str,
        *,
        start: date | None = None,
        end: date | None = None,
        as_of: datetime | None = None,
    ) -> list[Observation]:
        return self.inner.read(series_id, start=start, end=end, as_of=as_of)

    def vintages(self, series_id: str, *, end: date | None = None) -> list[Observation]:
        return self.inner.vintages(series_id, end=end)

    def latest(
        self, series_ids: Iterable[str] | None = None, *, as_of: datetime | None = None
    ) -> dict[str, Observation]:
        return self.inner.latest(series_ids, as_of=as_of)

    def states(self) -> dict[str, SeriesState]:
        return self.inner.states()

    def record_fetch(
        self,
        series_id: str,
        fetched_at: datetime,
        *,
        last_updated: str | None = None,
        error: str | None = None,
    ) -> None:
        self.inner.record_fetch(series_id, fetched_at, last_updated=last_updated, error=error)

    def changes(self, since: datetime | None, *, limit: int = 10_000) -> list[Change]:
        return self.inner.changes(since, limit=limit)

    def get_cursor(self, name: str) -> datetime | None:
        return self.inner.get_cursor(name)

    def set_cursor(self, name: str, position: datetime) -> None:
        self.inner.set_cursor(name, position)

    def close(self) -> None:
        self.inner.close()
