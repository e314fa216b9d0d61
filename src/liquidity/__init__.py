"""liquidity: US dollar liquidity data."""
