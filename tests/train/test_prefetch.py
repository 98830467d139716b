"""Batches built ahead by worker processes are the batches the training process would build."""

import torch

from infinite_nature.train.data import StepBatches, prepare_collection
from infinite_nature.train.prefetch import PrefetchedBatches


def test_prefetched_batches_equal_the_direct_ones_in_any_order(tiny_worlds):
    direct = StepBatches(prepare_collection(tiny_worlds, progress=False), resolution=32, batch_size=2, seed=3)
    prefetched = PrefetchedBatches(direct, workers=2, ahead=3)
    try:
        for step, rank in [(0, 0), (1, 0), (5, 0), (2, 0), (5, 1)]:
            got, expected = prefetched.batch(step, rank), direct.batch(step, rank)
            assert got.keys() == expected.keys()
            assert all(torch.equal(got[key], expected[key]) for key in got)
    finally:
        prefetched.close()
