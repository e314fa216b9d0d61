"""`liquidity serve`: the daemon, its release-aware schedule, metrics, ops HTTP, alerts, lease."""
