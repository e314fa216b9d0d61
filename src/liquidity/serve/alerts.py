"""Alerts to a Discord webhook: one message when an incident starts, one when it ends.

Incidents are keyed conditions (``overdue:WALCL``, ``breaker:fred``, ``store``,
``spool``) that the daemon re-evaluates after every job; only a change of state
sends a message, so a condition that lasts a week costs two messages. Discord's
own 429 is honoured (``retry_after`` in the body, or ``Retry-After``). The
webhook URL is a secret: it never appears in a log or an error.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from liquidity.errors import LiquidityError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
MAX_WAIT = 60.0


class WebhookRateLimited(LiquidityError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"webhook rate limited for {retry_after:g}s")
        self.retry_after = retry_after


class WebhookFailed(LiquidityError):
    pass


Send = Callable[[str], Awaitable[None]]


def discord_sender(url: str, client: httpx.AsyncClient) -> Send:
    """A ``send(text)`` that posts to a Discord webhook, retrying its 429s."""

    async def post(text: str) -> None:
        try:
            response = await client.post(url, json={"content": text[:2000]})
        except httpx.TransportError as exc:
            raise WebhookFailed(f"webhook unreachable ({type(exc).__name__})") from None
        if response.status_code == 429:
            raise WebhookRateLimited(_retry_after(response))
        if response.status_code >= 400:
            raise WebhookFailed(f"webhook answered HTTP {response.status_code}")

    def wait(state: object) -> float:
        exc = state.outcome.exception() if state.outcome else None  # type: ignore[attr-defined]
        return min(exc.retry_after, MAX_WAIT) if isinstance(exc, WebhookRateLimited) else 1.0

    async def send(text: str) -> None:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(MAX_ATTEMPTS),
            wait=wait,
            retry=retry_if_exception_type(WebhookRateLimited),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                await post(text)

    return send


def _retry_after(response: httpx.Response) -> float:
    try:
        return float(response.json()["retry_after"])
    except (ValueError, KeyError, TypeError):
        pass
    try:
        return float(response.headers.get("Retry-After", "1"))
    except ValueError:
        return 1.0


@dataclass
class Alerts:
    """Tracks open incidents; ``update`` sends only on a change of state."""

    send: Send | None
    open: dict[str, str] = field(default_factory=dict)  # key -> message when it opened
    sent: int = 0
    failed: int = 0

    async def update(self, key: str, active: bool, message: str) -> None:
        if active and key not in self.open:
            self.open[key] = message
            await self._deliver(f"🔴 {message}")
        elif not active and key in self.open:
            opened = self.open.pop(key)
            await self._deliver(f"🟢 recovered: {opened}")

    async def sync(self, prefix: str, active: dict[str, str]) -> None:
        """Open ``active`` incidents and close the others under ``prefix``."""
        for key, message in active.items():
            await self.update(key, True, message)
        for key in [k for k in self.open if k.startswith(prefix) and k not in active]:
            await self.update(key, False, "")

    async def _deliver(self, text: str) -> None:
        if self.send is None:
            log.warning("alert (no webhook configured): %s", text)
            return
        try:
            await self.send(text)
            self.sent += 1
        except LiquidityError as exc:
            self.failed += 1
            log.warning("alert not delivered: %s", exc)
