"""Worker processes that share the machine's cores: one intra-op thread each.

Several torch processes that each start a thread per core fight over the cores (seen on 2
cores: two world exporters with default threads rendered 0.2 views/s each, with one thread
each 1.8 views/s each). Used by training's batch prefetching and by world export.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import torch


def _one_thread() -> None:
    torch.set_num_threads(1)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` spawned processes (safe after CUDA or thread pools started), one thread each."""
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_one_thread)
