"""Virtual cameras and the there-and-back render used to train the refiner from still photos.

InfiniteNature-Zero's idea: render a photo to a nearby virtual camera and back. The
return view has the holes and blur that real flights produce, while the photo itself is
the ground truth, so no video is needed.
"""

from __future__ import annotations

import math

import torch
from kornia.geometry.conversions import axis_angle_to_rotation_matrix

from infinite_nature.disparity import DISPARITY_MIN
from infinite_nature.render import SplatResult, splat

# scene units of normalised disparity: the 97th-percentile surface sits at depth 1.25
MAX_TRANSLATION = (0.10, 0.05, 0.35)  # |x|, |y|, forward z
MAX_ROTATION_DEGREES = (5.0, 3.0)  # yaw, pitch


def random_motion(batch: int, generator: torch.Generator, scale: float = 1.0) -> torch.Tensor:  # [B, 4, 4]
    """Source-to-target transforms of random forward-looking camera moves (``scale`` = strength)."""
    u = torch.rand(batch, 5, generator=generator) * 2 - 1
    translation = torch.stack(
        [u[:, 0] * MAX_TRANSLATION[0], u[:, 1] * MAX_TRANSLATION[1], (u[:, 2] + 1) / 2 * MAX_TRANSLATION[2]], dim=1
    ) * scale
    yaw = u[:, 3] * math.radians(MAX_ROTATION_DEGREES[0]) * scale
    pitch = u[:, 4] * math.radians(MAX_ROTATION_DEGREES[1]) * scale
    camera_to_target = torch.eye(4).repeat(batch, 1, 1)
    rotation = axis_angle_to_rotation_matrix(torch.stack([pitch, yaw, torch.zeros_like(yaw)], dim=1))
    camera_to_target[:, :3, :3] = rotation
    camera_to_target[:, :3, 3] = translation
    return torch.linalg.inv(camera_to_target)  # maps source-camera points into the moved camera


def there_and_back(
    rgb: torch.Tensor, disparity: torch.Tensor, intrinsics: torch.Tensor, transform: torch.Tensor
) -> tuple[SplatResult, SplatResult]:
    """Splat to the virtual camera, then back with only what survived (holes stay holes)."""
    there = splat(rgb, disparity, intrinsics, transform)
    filled = torch.where(there.valid, there.disparity, torch.full_like(there.disparity, DISPARITY_MIN))
    back = splat(
        there.features, filled, intrinsics, torch.linalg.inv(transform), alpha=there.valid.to(rgb.dtype)
    )
    return there, back
