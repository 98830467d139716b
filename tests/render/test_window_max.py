"""Maxima over square windows."""

import torch

from infinite_nature.render.window_max import square_max


def test_square_max_is_max_pooling():
    for shape, size in (((1, 1, 64, 64), 13), ((2, 3, 20, 31), 5), ((1, 1, 7, 9), 13), ((1, 2, 16, 16), 1)):
        x = torch.randn(shape)
        pad = size // 2
        rows = torch.nn.functional.pad(x, (pad, pad), value=float("-inf")).unfold(-1, size, 1).amax(dim=-1)
        expected = torch.nn.functional.pad(rows, (0, 0, pad, pad), value=float("-inf")).unfold(-2, size, 1).amax(dim=-1)
        assert torch.equal(square_max(x, size), expected), (shape, size)
