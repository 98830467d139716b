"""The accumulation primitive every backend implements: hand-computed cases and gradients."""

import pytest
import torch
from torch.autograd import gradcheck

from infinite_nature.render._torch_impl import MIN_TAP_WEIGHT, bilinear_splat, max_key_per_pixel


def _splat(uv, values, height=3, width=4, **kwargs):
    uv = torch.tensor(uv, dtype=torch.float64).view(1, -1, 2)
    values = torch.tensor(values, dtype=torch.float64).view(1, -1, uv.shape[1])
    return bilinear_splat(uv, values, height, width, **kwargs)


def test_point_exactly_on_a_pixel_lands_only_there():
    out = _splat([[2.0, 1.0]], [[5.0]])
    expected = torch.zeros(1, 1, 3, 4, dtype=torch.float64)
    expected[0, 0, 1, 2] = 5.0
    torch.testing.assert_close(out, expected)


def test_point_split_four_ways():
    out = _splat([[1.25, 0.5]], [[8.0]])
    expected = torch.zeros(1, 1, 3, 4, dtype=torch.float64)
    expected[0, 0, 0, 1] = 8.0 * 0.75 * 0.5
    expected[0, 0, 0, 2] = 8.0 * 0.25 * 0.5
    expected[0, 0, 1, 1] = 8.0 * 0.75 * 0.5
    expected[0, 0, 1, 2] = 8.0 * 0.25 * 0.5
    torch.testing.assert_close(out, expected)


def test_points_outside_are_dropped_and_edges_clipped():
    out = _splat([[-0.5, 1.0], [3.5, 2.0], [10.0, 10.0], [-3.0, 0.0]], [[1.0, 1.0, 1.0, 1.0]])
    assert out[0, 0, 1, 0].item() == pytest.approx(0.5)  # half of the first point is inside
    assert out[0, 0, 2, 3].item() == pytest.approx(0.5)
    assert out.sum().item() == pytest.approx(1.0)


def test_round_off_does_not_leak_to_neighbours():
    out = _splat([[2.0 - MIN_TAP_WEIGHT / 10, 1.0]], [[1.0]])
    assert out[0, 0, 1, 1].item() == 0.0
    assert out[0, 0, 1, 2].item() == pytest.approx(1.0, abs=1e-4)


def test_depth_test_keeps_only_the_nearest():
    uv = torch.tensor([[[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]], dtype=torch.float64)
    key = torch.tensor([[0.2, 0.9, 0.89]], dtype=torch.float64)
    values = torch.tensor([[[1.0, 2.0, 4.0]]], dtype=torch.float64)
    key_max = max_key_per_pixel(uv, key, 3, 4)
    assert key_max[0, 1 * 4 + 1].item() == pytest.approx(0.9)
    strict = bilinear_splat(uv, values, 3, 4, key, key_max, tolerance=0.0)
    assert strict[0, 0, 1, 1].item() == pytest.approx(2.0)
    loose = bilinear_splat(uv, values, 3, 4, key, key_max, tolerance=0.05)
    assert loose[0, 0, 1, 1].item() == pytest.approx(6.0)


def test_permutation_invariance(device, dtype):
    uv = torch.rand(2, 50, 2, dtype=dtype, device=device) * torch.tensor([8.0, 6.0], dtype=dtype, device=device)
    values = torch.rand(2, 3, 50, dtype=dtype, device=device)
    order = torch.randperm(50, device=device)
    a = bilinear_splat(uv, values, 6, 8)
    b = bilinear_splat(uv[:, order], values[:, :, order], 6, 8)
    torch.testing.assert_close(a, b)


def test_batch_items_are_independent():
    uv = torch.rand(2, 20, 2, dtype=torch.float64) * 5
    values = torch.rand(2, 2, 20, dtype=torch.float64)
    both = bilinear_splat(uv, values, 6, 6)
    torch.testing.assert_close(both[1:], bilinear_splat(uv[1:], values[1:], 6, 6))


def test_gradcheck():
    uv = (torch.rand(2, 40, 2, dtype=torch.float64) * torch.tensor([9.0, 7.0]) - 0.5).requires_grad_(True)
    values = torch.rand(2, 3, 40, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda a, b: bilinear_splat(a, b, 7, 9), (uv, values))
    key = torch.rand(2, 40, dtype=torch.float64)
    key_max = max_key_per_pixel(uv, key, 7, 9)
    assert gradcheck(lambda a, b: bilinear_splat(a, b, 7, 9, key, key_max, 0.05), (uv, values))
