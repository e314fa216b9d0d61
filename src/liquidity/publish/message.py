"""The published message (pure): one change of one series, as JSON.

``ts_event`` is when the value became known (``known_at``), ``ts_init`` when we
published it, both integer nanoseconds since the Unix epoch (NautilusTrader's
convention). The Stream entry id is derived from the change itself, so that a
publish retried after a lost acknowledgement produces the same id and Redis can
tell it was already added (see ``redis.py``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from liquidity.catalog.active import SERIES
from liquidity.models import Change

_NS = 1_000_000_000
_SEQ_PER_MICROSECOND = 1_000_000  # room for this many entries per stream per write


@dataclass(frozen=True, slots=True)
class Message:
    series_id: str
    date: str  # ISO date of the observation
    value: float
    unit: str
    realtime_start: str  # ISO date
    ts_event: int  # ns: when the value became known
    ts_init: int  # ns: when we published it
    source: str
    revision: bool  # it replaces an earlier value for that date

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> Message:
        data: dict[str, Any] = json.loads(raw)
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})

    @property
    def known_at(self) -> datetime:
        return from_ns(self.ts_event)

    @property
    def day(self) -> dt.date:
        return dt.date.fromisoformat(self.date)


def to_ns(moment: datetime) -> int:
    """Exact integer nanoseconds (no float rounding) of an aware datetime."""
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * _NS + delta.microseconds * 1_000


def from_ns(ns: int) -> datetime:
    seconds, rest = divmod(ns, _NS)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=rest // 1_000)


def unit_of(series_id: str) -> str:
    spec = SERIES.get(series_id)
    return spec.unit.label if spec is not None else ""


def from_change(change: Change, ts_init: int) -> Message:
    o = change.observation
    return Message(
        series_id=o.series_id,
        date=o.date.isoformat(),
        value=o.value,
        unit=unit_of(o.series_id),
        realtime_start=o.realtime_start.isoformat(),
        ts_event=to_ns(o.known_at),
        ts_init=ts_init,
        source=o.source,
        revision=change.revision,
    )


def entry_id(ingested_at: datetime, index: int) -> str:
    """Stream id ``<ms>-<seq>`` for the ``index``-th entry of one stream in the write
    stored at ``ingested_at``: increasing with the write, identical on a retry."""
    if not 0 <= index < _SEQ_PER_MICROSECOND:
        raise ValueError(f"entry index {index} out of range")
    micros = to_ns(ingested_at) // 1_000
    ms, us = divmod(micros, 1_000)
    return f"{ms}-{us * _SEQ_PER_MICROSECOND + index}"
