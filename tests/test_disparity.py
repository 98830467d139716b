import pytest
import torch

from infinite_nature.disparity import (
    DISPARITY_MAX,
    DISPARITY_MIN,
    depth_to_disparity,
    disparity_to_depth,
    normalise_metric_depth,
    normalise_relative_disparity,
)


def test_depth_and_disparity_are_inverse_within_range():
    d = torch.tensor([0.01, 0.5, 1.0])
    torch.testing.assert_close(depth_to_disparity(disparity_to_depth(d)), d)
    assert disparity_to_depth(torch.tensor([0.0])).item() == pytest.approx(1 / DISPARITY_MIN)
    assert depth_to_disparity(torch.tensor([0.1])).item() == DISPARITY_MAX


def test_relative_normalisation_is_shift_and_scale_invariant():
    raw = torch.rand(1, 1, 20, 20)
    a = normalise_relative_disparity(raw)
    b = normalise_relative_disparity(raw * 7.0 + 3.0)
    torch.testing.assert_close(a, b, atol=1e-5, rtol=0)
    assert a.min() >= DISPARITY_MIN and a.max() <= DISPARITY_MAX
    assert torch.quantile(a.flatten(), 0.97).item() == pytest.approx(0.8, abs=0.02)


def test_relative_normalisation_puts_sky_at_the_far_plane():
    raw = torch.rand(1, 1, 10, 10) + 1
    sky = torch.zeros(1, 1, 10, 10, dtype=torch.bool)
    sky[..., :3, :] = True
    raw[sky] = 1000.0  # a bogus sky value must not disturb the percentiles
    out = normalise_relative_disparity(raw, sky)
    assert (out[sky] == DISPARITY_MIN).all()
    assert out[~sky].max() <= DISPARITY_MAX


def test_metric_normalisation_is_scale_only_and_returns_the_scale():
    depth = torch.rand(2, 1, 16, 16) * 50 + 2
    depth[0, 0, :4] = float("inf")  # sky
    disparity, scale = normalise_metric_depth(depth, torch.isinf(depth))
    assert scale.shape == (2,)
    finite = torch.isfinite(depth)
    z_scene = depth * scale.view(2, 1, 1, 1)
    torch.testing.assert_close(disparity[finite], (1 / z_scene[finite]).clamp(DISPARITY_MIN, DISPARITY_MAX))
    assert (disparity[~finite] == DISPARITY_MIN).all()
