"""liquidity: US dollar liquidity data."""

__version__ = "0.1.0"
