"""The one clock: every question of "what time is it now" asks :func:`now`.

Tests set it in-process with :func:`frozen`; a whole process (CI runs the suite
400 days ahead) is moved with ``faketime``. Nothing else calls ``datetime.now``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def _system() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return _source()


def today(zone: str = "America/New_York") -> date:
    """Today's date in ``zone`` (the Fed's and the Treasury's calendars live in New York)."""
    return now().astimezone(ZoneInfo(zone)).date()


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Within the block, :func:`now` answers ``at`` (aware; naive means UTC)."""
    global _source
    instant = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    previous, _source = _source, lambda: instant.astimezone(UTC)
    try:
        yield
    finally:
        _source = previous
