"""The look both renderers share: one palette, the overlay's grey, the shading."""

from __future__ import annotations

# Net Liquidity, then components / series in order; the overlay in grey.
COLORS = ("#1f3b73", "#2a9d8f", "#e76f51", "#e9c46a", "#8d5a97", "#6c757d", "#264653")
OVERLAY_COLOR = "#9a9a9a"
SHADE_ALPHA = 0.18
# Shaded periods by kind: recessions grey as FRED draws them, QT amber, others blue.
SHADES = {"recession": "#8a8a8a", "QT": "#d9a441"}
SHADE_OTHER = "#7a9cc6"


def shade_color(label: str) -> str:
    return SHADES.get(label, SHADE_OTHER)


FALLBACK_COLOR = "#333333"  # past the palette's end
