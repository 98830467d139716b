"""infinite-nature: perpetual view generation from a single landscape photo."""

__version__ = "0.1.0"
