"""Data sources, one module each, shaped query (pure) -> extract (network) -> transform (pure)."""
