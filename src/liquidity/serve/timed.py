"""A ``Store`` whose writes the daemon times into a histogram (``store_write_duration``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client import Histogram

    from liquidity.models import Change, Observation, SeriesState, WriteResult
    from liquidity.storage.base import Store


class TimedStore:
    """A ``Store`` whose writes are timed into a histogram; the rest goes to ``inner``.

    A ``base.Wrapper``: ``schema_of`` / ``spool_of`` find the capabilities of ``inner``."""

    def __init__(self, inner: Store, histogram: Histogram) -> None:
        self.inner = inner
        self._histogram = histogram

    def write(
        self, observations: Sequence[Observation], *, revision_known_at: datetime | None = None
    ) -> WriteResult:
        with self._histogram.time():
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
