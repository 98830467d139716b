"""Wall-clock timing of a callable: warm-up runs, then the median of timed runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch


def median_milliseconds(fn: Callable[[], object], device: torch.device, repeats: int, warmup: int = 3) -> float:
    """Median wall time of ``fn`` in ms, synchronising CUDA around each run."""

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)
