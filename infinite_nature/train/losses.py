"""Losses: scale-and-shift-invariant disparity, gradient matching, hinge GAN, feature matching."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from infinite_nature.disparity import DISPARITY_MAX, DISPARITY_MIN


def align_scale_shift(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Scale and shift per image mapping ``prediction`` onto ``target`` over ``mask``: the
    least-squares fit where that scale is positive, and otherwise the magnitude of that scale
    (with the shift that goes with it), so a prediction ordered the wrong way round is aligned
    reflected and counts as the error it is. The unconstrained fit maps an inverted
    prediction onto the target as well as a right one: every loss and AbsRel were blind to
    the sign, and a from-scratch run (model card, History, twenty-second session) learned
    depth in place of disparity and scored 0.133 on the held-out views."""
    m = mask.float()
    count = m.sum(dim=(1, 2, 3)).clamp_min(1.0)
    p_mean = (prediction * m).sum(dim=(1, 2, 3)) / count
    t_mean = (target * m).sum(dim=(1, 2, 3)) / count
    p_centred = (prediction - p_mean.view(-1, 1, 1, 1)) * m
    t_centred = (target - t_mean.view(-1, 1, 1, 1)) * m
    scale = ((p_centred * t_centred).sum(dim=(1, 2, 3)) / (p_centred**2).sum(dim=(1, 2, 3)).clamp_min(1e-8)).abs()
    shift = t_mean - scale * p_mean
    return prediction * scale.view(-1, 1, 1, 1) + shift.view(-1, 1, 1, 1)


def target_spread(target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean absolute deviation of ``target`` from its median over ``mask``, per image [B, 1, 1, 1].

    The unit the disparity losses measure errors in (MiDaS's normalisation): without it a view
    of far terrain, whose disparities are all small, weighs a fraction of a close view in the
    loss, and the network never learns such views.
    """
    values = target.masked_fill(~mask, float("nan")).flatten(1)  # [B, H*W]
    median = values.nanmedian(dim=1).values
    spread = (values - median[:, None]).abs().nanmean(dim=1)
    return spread.nan_to_num(1.0).clamp_min(1e-3).view(-1, 1, 1, 1)


def scale_shift_invariant_loss(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean absolute error after the best scale and shift, in units of each target's spread
    (MiDaS), over ``mask``: invariant to the scale of prediction and target alike."""
    aligned = align_scale_shift(prediction, target, mask)
    m = mask.float()
    return ((aligned - target).abs() / target_spread(target, mask) * m).sum() / m.sum().clamp_min(1.0)


def gradient_matching_loss(
    prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, scales: int = 3
) -> torch.Tensor:
    """Multi-scale L1 of the difference's image gradients (sharp, well-placed depth edges), in
    units of each target's spread like the SSI loss."""
    aligned = align_scale_shift(prediction, target, mask)
    total = prediction.new_zeros(())
    diff, m = (aligned - target) / target_spread(target, mask), mask.float()
    for _ in range(scales):
        gx = (diff[..., :, 1:] - diff[..., :, :-1]).abs() * m[..., :, 1:] * m[..., :, :-1]
        gy = (diff[..., 1:, :] - diff[..., :-1, :]).abs() * m[..., 1:, :] * m[..., :-1, :]
        total = total + (gx.sum() + gy.sum()) / m.sum().clamp_min(1.0)
        diff, m = F.avg_pool2d(diff, 2), (F.avg_pool2d(m, 2) > 0.99).float()
    return total / scales


def absolute_relative_error(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """AbsRel of depth after aligning disparity by scale and shift; depth = 1 / disparity with the
    disparity clipped to the convention's range (so depth <= 100, the far plane)."""
    aligned = align_scale_shift(prediction, target, mask).clamp(DISPARITY_MIN, DISPARITY_MAX)
    depth_pred, depth_true = 1.0 / aligned, 1.0 / target.clamp(DISPARITY_MIN, DISPARITY_MAX)
    m = mask.float()
    return (((depth_pred - depth_true).abs() / depth_true) * m).sum() / m.sum().clamp_min(1.0)


def relative_depth_loss(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``absolute_relative_error`` as a loss: the same value wherever the aligned disparity lies in
    the convention's range, and an upper bound with a gradient where it does not. The metric's
    clamp has no gradient there, and those are its worst pixels: terrain aligned beyond the
    far plane (|t - a| / a is AbsRel for aligned disparity a and true disparity t)."""
    aligned = align_scale_shift(prediction, target, mask)
    truth = target.clamp(DISPARITY_MIN, DISPARITY_MAX)
    m = mask.float()
    error = (aligned - truth).abs() / aligned.clamp_min(DISPARITY_MIN)
    return (error * m).sum() / m.sum().clamp_min(1.0)


def intersection_over_union(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """IoU of two boolean masks (1 when both are empty)."""
    union = (prediction | target).sum()
    return torch.where(union > 0, (prediction & target).sum() / union.clamp_min(1), torch.ones((), device=union.device))


def hinge_discriminator_loss(real: list, fake: list) -> torch.Tensor:
    """Hinge loss over every discriminator scale: real logits above 1, fake below -1."""
    return sum(F.relu(1 - r[0]).mean() + F.relu(1 + f[0]).mean() for r, f in zip(real, fake)) / len(real)


def hinge_generator_loss(fake: list) -> torch.Tensor:
    return sum(-f[0].mean() for f in fake) / len(fake)


def feature_matching_loss(real: list, fake: list) -> torch.Tensor:
    """L1 between the discriminator's features of real and generated images (replaces VGG)."""
    total, count = 0.0, 0
    for (_, real_features), (_, fake_features) in zip(real, fake):
        for r, f in zip(real_features, fake_features):
            total = total + (r.detach() - f).abs().mean()
            count += 1
    return total / max(count, 1)
