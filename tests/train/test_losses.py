"""The depth losses: scale and shift invariance, per-image normalisation, AbsRel and its loss form."""

from __future__ import annotations

import pytest
import torch

from infinite_nature.disparity import DISPARITY_MAX, DISPARITY_MIN
from infinite_nature.train.losses import (
    absolute_relative_error,
    align_scale_shift,
    gradient_matching_loss,
    relative_depth_loss,
    scale_shift_invariant_loss,
    target_spread,
)


def _ground_disparity(batch: int, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Disparity of flat ground below a horizon (sky above row 8, marked out by the mask)."""
    rows = torch.arange(32, dtype=dtype).view(1, 1, 32, 1).expand(batch, 1, 32, 24)
    disparity = 0.8 * ((rows - 7.0) / 25.0).clamp_min(0.05) + 0.01 * torch.rand(batch, 1, 32, 24, dtype=dtype)
    return disparity, (rows >= 8).clone()


def test_ssi_loss_is_zero_for_any_scale_and_shift_of_the_truth(dtype):
    target, mask = _ground_disparity(2, dtype)
    assert float(scale_shift_invariant_loss(3.0 * target + 0.5, target, mask)) == pytest.approx(0.0, abs=1e-5)
    assert float(scale_shift_invariant_loss(torch.rand_like(target), target, mask)) > 0.1


@pytest.mark.parametrize("loss", [scale_shift_invariant_loss, gradient_matching_loss])
def test_disparity_losses_weigh_a_far_view_like_a_near_one(loss, dtype):
    """A view whose disparities are all ten times smaller (everything ten times farther) with
    the same relative errors gives the same loss: far views are not drowned out in a batch."""
    target, mask = _ground_disparity(1, dtype)
    prediction = target * (1 + 0.2 * torch.randn_like(target))
    near = loss(prediction, target, mask)
    far = loss(prediction * 0.1, target * 0.1, mask)
    assert float(near) > 1e-3
    assert float(far) == pytest.approx(float(near), rel=1e-4)


def test_target_spread_is_finite_for_an_image_without_ground():
    target, mask = _ground_disparity(2, torch.float32)
    mask[1] = False
    spread = target_spread(target, mask)
    assert spread.shape == (2, 1, 1, 1)
    assert torch.isfinite(spread).all() and float(spread[1]) == 1.0


def test_relative_depth_loss_is_abs_rel_where_the_aligned_disparity_is_in_range(dtype):
    target, mask = _ground_disparity(2, dtype)
    prediction = target * (1 + 0.05 * torch.randn_like(target))
    aligned = align_scale_shift(prediction, target, mask)[mask]
    assert DISPARITY_MIN < float(aligned.min()) and float(aligned.max()) < DISPARITY_MAX
    metric = absolute_relative_error(prediction, target, mask)
    assert float(metric) > 0.01
    assert float(relative_depth_loss(prediction, target, mask)) == pytest.approx(float(metric), rel=1e-5)


def test_relative_depth_loss_pulls_terrain_aligned_beyond_the_far_plane_back():
    """Where the aligned disparity falls below the far plane's, the metric's clamp gives no
    gradient; the loss bounds the metric from above there and pulls such pixels nearer."""
    target, mask = _ground_disparity(1, torch.float64)
    prediction = target.clone()
    prediction[..., 8, :4] = -0.2  # far terrain predicted beyond the far plane
    prediction.requires_grad_(True)
    loss = relative_depth_loss(prediction, target, mask)
    metric = absolute_relative_error(prediction, target, mask)
    assert float(loss.detach()) > float(metric.detach())
    (loss_grad,) = torch.autograd.grad(loss, prediction)
    (metric_grad,) = torch.autograd.grad(metric, prediction)
    beyond = prediction.detach()[..., 8, :4]
    assert float(beyond.max()) < DISPARITY_MIN
    assert (loss_grad[..., 8, :4] < 0).all()  # descent raises their disparity
    assert float(loss_grad[..., 8, :4].abs().min()) > 5 * float(metric_grad[..., 8, :4].abs().max())


def test_relative_depth_loss_passes_gradcheck():
    target, mask = _ground_disparity(1, torch.float64)
    target, mask = target[..., 6:14, :5], mask[..., 6:14, :5]
    prediction = (target * (1 + 0.1 * torch.randn_like(target))).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda p: relative_depth_loss(p, target, mask), (prediction,))


def test_a_prediction_ordered_the_wrong_way_round_is_an_error(dtype):
    """Depth in place of disparity (an affine map with a negative scale) fitted the target
    exactly under an unconstrained least-squares alignment; now it is aligned reflected."""
    target, mask = _ground_disparity(2, dtype)
    inverted = 1.0 - target  # nearer ground, lower value
    assert float(absolute_relative_error(2 * target + 0.1, target, mask)) < 1e-5
    assert float(absolute_relative_error(inverted, target, mask)) > 0.2
    assert float(scale_shift_invariant_loss(inverted, target, mask)) > 1.0
