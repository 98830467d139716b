"""Benchmarks that print figures (never pass/fail): ``infinite-nature bench ...``."""
