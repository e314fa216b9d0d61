"""The daemon's own settings (release windows, request budgets) mapped onto ``LiveConfig``.

Above the composition root like the daemon itself: ``serve`` is an entry point, and this
keeps ``compose`` (below it) from importing ``serve``. Light on purpose: ``liquidity
status`` reads the ceilings without loading the daemon."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from liquidity.config import Settings
    from liquidity.serve.live import LiveConfig


def live_config(settings: Settings) -> LiveConfig:
    """The daemon's release-window polling: its cadence and each source's daily ceiling."""
    from liquidity.serve.cadence import Cadence
    from liquidity.serve.live import LiveConfig

    cadence = Cadence(
        lead=settings.live_lead,
        floor=settings.live_floor,
        ramp_before=settings.live_ramp_before,
        ramp_after=settings.live_ramp_after,
        cap=settings.live_cap,
        close=settings.live_close,
    )
    ceilings = {
        "fred": settings.budget_fred,
        "yahoo": settings.budget_yahoo,
        "nyfed": settings.budget_nyfed,
        "treasury_dts": settings.budget_treasury_dts,
    }
    return LiveConfig(settings.live, cadence, settings.live_poll_share, ceilings)
