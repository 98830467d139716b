"""Measuring quality the same way every time: metrics, held-out worlds, baselines."""
