"""Training batches built ahead of time by worker processes.

On a GPU the training step is far faster than decoding and cropping a batch on one CPU core,
so batches ``step + 1 .. step + ahead`` are built in parallel while the step runs. Batches stay
a pure function of (seed, step, rank): the prefetched batch N is the one ``StepBatches.batch(N)``
returns, so resuming and determinism are unchanged.
"""

from __future__ import annotations

from concurrent.futures import Future

import torch

from infinite_nature.train.data import StepBatches
from infinite_nature.workers import process_pool


class PrefetchedBatches:
    """``batch(step, rank)`` like StepBatches, answered from ``workers`` processes working ahead."""

    def __init__(self, batches: StepBatches, workers: int, ahead: int | None = None) -> None:
        self._pool = process_pool(workers)
        self.batches = batches
        self.ahead = ahead or 2 * workers
        self._pending: dict[tuple[int, int], Future] = {}

    def batch(self, step: int, rank: int = 0) -> dict[str, torch.Tensor]:
        for stale in [key for key in self._pending if key[1] == rank and key[0] < step]:
            self._pending.pop(stale).cancel()
        for ahead in range(step, step + self.ahead):
            if (ahead, rank) not in self._pending:
                self._pending[(ahead, rank)] = self._pool.submit(self.batches.batch, ahead, rank)
        return self._pending.pop((step, rank)).result()

    def close(self) -> None:
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)
