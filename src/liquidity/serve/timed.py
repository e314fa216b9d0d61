"""A ``Store`` whose writes the daemon times into a histogram (``store_write_duration``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from liquidity.storage.base import ForwardingStore

if TYPE_CHECKING:
    from prometheus_client import Histogram

    from liquidity.models import Observation, WriteResult
    from liquidity.storage.base import Store


class TimedStore(ForwardingStore):
    """A ``Store`` whose writes are timed into a histogram; the rest goes to ``inner``."""

    def __init__(self, inner: Store, histogram: Histogram) -> None:
        super().__init__(inner)
        self._histogram = histogram

    def write(
        self, observations: Sequence[Observation], *, revision_known_at: datetime | None = None
    ) -> WriteResult:
        with self._histogram.time():
            return self.inner.write(observations, revision_known_at=revision_known_at)
