"""Cheap signals that change when a source's data does: what the daemon polls in a window.

- FRED with a key: the ``last_updated`` of each series, from one ``release/series``
  listing per release (a series alone in its release: ``series?series_id=``), as the
  keyed source reads its metadata; FRED's ``last_updated`` is also when it changed.
- Every other source (NY Fed, Treasury DTS, Yahoo, keyless fredgraph.csv): the source's
  own request narrowed to the observation expected (``startDate``, the DTS
  ``record_date`` filter, Yahoo's ``period1``, ``cosd``): one request with a small
  answer, whose newest date (and the NY Fed's ``lastUpdated``) is the signal.

A signal is compared with the previous one of the same window: the observations are
fetched only when it moved.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from liquidity.errors import LiquidityError
from liquidity.models import FetchResult
from liquidity.sources.base import FetchRequest, Source
from liquidity.sources.fred_api import FredApiSource

if TYPE_CHECKING:
    from liquidity.registry import SeriesSpec


@dataclass(frozen=True, slots=True)
class Signal:
    stamp: str  # opaque: differs from the previous one when the data moved
    requests: int  # what asking it cost
    # Per series, the instant the source says it updated, where it says (FRED
    # ``last_updated``, NY Fed ``lastUpdated``); the delay metric counts from it.
    updated_at: dict[str, datetime] = field(default_factory=dict)
    newest: dict[str, date] = field(default_factory=dict)  # narrow probes: newest date seen


async def probe(
    source: Source, specs: Sequence[SeriesSpec], observed: date, now: datetime
) -> Signal:
    """The signal of ``specs`` (one source) for the observation dated ``observed``."""
    if isinstance(source, FredApiSource):
        return await _fred(source, specs)
    return await _narrow(source, specs, observed, now)


async def _fred(source: FredApiSource, specs: Sequence[SeriesSpec]) -> Signal:
    stamps, updated, asked = [], {}, 0
    for spec in specs:  # series of one release share one listing request
        entry, n = await source.metadata(spec)
        asked += n
        stamp = str(entry.get("last_updated") or "")
        stamps.append(f"{spec.id}={stamp}")
        if stamp:
            with contextlib.suppress(ValueError):  # unreadable: it still moves the signal
                updated[spec.id] = datetime.fromisoformat(stamp)
    return Signal("|".join(stamps), asked, updated)


async def _narrow(
    source: Source, specs: Sequence[SeriesSpec], observed: date, now: datetime
) -> Signal:
    requests = [FetchRequest(spec, observed) for spec in specs]
    batches = [requests] if source.batched else [[r] for r in requests]
    results: list[FetchResult | BaseException] = []
    for batch in batches:
        results += await source.fetch(batch, now)
    stamps, updated, newest, asked = [], {}, {}, 0
    for spec, result in zip(specs, results, strict=True):
        if isinstance(result, BaseException):
            if not isinstance(result, LiquidityError):
                raise result
            stamps.append(f"{spec.id}=?")
            continue
        asked += result.requests
        if result.observations:
            last = max(result.observations, key=lambda o: o.date)
            newest[spec.id] = last.date
            stamps.append(f"{spec.id}={last.date}:{last.value!r}")
            if last.known_at < now:  # the source's own instant (the NY Fed's lastUpdated)
                updated[spec.id] = last.known_at
        else:
            stamps.append(f"{spec.id}=")
    return Signal("|".join(stamps), max(asked, len(batches)), updated, newest)
