"""Image and depth metrics used by the evaluation and the model card."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from kornia.filters import laplacian
from kornia.metrics import ssim as kornia_ssim

from infinite_nature.disparity import DISPARITY_MAX, DISPARITY_MIN


def psnr(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Peak signal-to-noise ratio (dB) per image of [0, 1] images ``[B, C, H, W]`` (over ``mask``)."""
    error = (prediction - target).square()
    if mask is None:
        mse = error.mean(dim=(1, 2, 3))
    else:
        m = mask.expand_as(error).float()
        mse = (error * m).sum(dim=(1, 2, 3)) / m.sum(dim=(1, 2, 3)).clamp_min(1.0)
    return 10.0 * torch.log10(1.0 / mse.clamp_min(1e-10))


def ssim(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Structural similarity per image (11x11 Gaussian window)."""
    return kornia_ssim(prediction, target, window_size=11).mean(dim=(1, 2, 3))


def sharpness(image: torch.Tensor) -> torch.Tensor:
    """Variance of the Laplacian of the grey image, per image (higher = sharper)."""
    grey = image.mean(dim=1, keepdim=True)
    return laplacian(grey, kernel_size=3).var(dim=(1, 2, 3))


def disparity_abs_rel(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean |d_pred - d_true| / d_true over ``mask`` (both normalised disparity), per image."""
    p, t = prediction.clamp(DISPARITY_MIN, DISPARITY_MAX), target.clamp(DISPARITY_MIN, DISPARITY_MAX)
    m = mask.float()
    return (((p - t).abs() / t) * m).sum(dim=(1, 2, 3)) / m.sum(dim=(1, 2, 3)).clamp_min(1.0)


def lab_statistics(image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image mean and std of each CIELAB channel, ``([B, 3], [B, 3])``."""
    from kornia.color import rgb_to_lab

    lab = rgb_to_lab(image.clamp(0, 1))
    return lab.mean(dim=(2, 3)), lab.std(dim=(2, 3))


def colour_drift(image: torch.Tensor, reference: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Distance of the Lab mean and of the Lab std from the reference's (per image)."""
    mean, std = lab_statistics(image)
    ref_mean, ref_std = lab_statistics(reference)
    return (mean - ref_mean).norm(dim=1), (std - ref_std).norm(dim=1)


def coarse_psnr(prediction: torch.Tensor, target: torch.Tensor, factor: int = 4) -> torch.Tensor:
    """PSNR (dB) per image after ``factor`` x ``factor`` box averaging: whether a view shows the
    right scene (layout and colours), not the fine texture a long flight has to invent."""
    return psnr(F.avg_pool2d(prediction, factor), F.avg_pool2d(target, factor))


def coarse_lab_error(prediction: torch.Tensor, target: torch.Tensor, factor: int = 4) -> torch.Tensor:
    """Mean CIELAB distance (Delta E 1976) per image after ``factor`` x ``factor`` box averaging."""
    from kornia.color import rgb_to_lab

    a, b = (rgb_to_lab(F.avg_pool2d(image.clamp(0, 1), factor)) for image in (prediction, target))
    return (a - b).norm(dim=1).mean(dim=(1, 2))


def temporal_flicker(
    previous: torch.Tensor,  # [B, 3, H, W]
    previous_disparity: torch.Tensor,  # [B, 1, H, W]
    current: torch.Tensor,  # [B, 3, H, W]
    intrinsics: torch.Tensor,  # [B, 3, 3]
    transform: torch.Tensor,  # [B, 4, 4] previous camera -> current camera
) -> torch.Tensor:
    """Mean absolute difference between a frame and the previous frame warped into it (valid pixels)."""
    from infinite_nature.render import splat

    warped = splat(previous, previous_disparity.clamp_min(DISPARITY_MIN), intrinsics, transform)
    mask = warped.valid.expand_as(current).float()
    return ((warped.features - current).abs() * mask).sum(dim=(1, 2, 3)) / mask.sum(dim=(1, 2, 3)).clamp_min(1.0)
