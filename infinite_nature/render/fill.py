"""What a splatted view needs before and after the refiner, shared by the flight loop and the
refiner's training (so the network trains on exactly what it sees in a flight).

* ``fill_cracks``: interpolate the pinholes and thin cracks that magnification leaves
  between splatted points, so the refiner only has to invent what was really unseen.
* ``keep_rendered``: show the refiner's output only in the holes; rendered pixels stay exact.
"""

from __future__ import annotations

from dataclasses import replace

import torch
import torch.nn.functional as F
from kornia.filters import gaussian_blur2d
from kornia.morphology import closing, erosion

from infinite_nature.disparity import DISPARITY_MAX, DISPARITY_MIN
from infinite_nature.render.splatting import SplatResult

CRACK_FILL_PASSES = 2  # a 5x5 closing finds cracks up to 3 px wide; two 3x3 passes reach their middle


def fill_cracks(splatted: SplatResult) -> SplatResult:
    """Interpolate holes that a 5x5 closing of the validity mask covers, from the nearest
    rendered pixels inwards; disocclusions and new borders stay holes for the refiner."""
    known = splatted.valid.float()  # [B, 1, H, W]
    cracks = (closing(known, torch.ones(5, 5, device=known.device)) > 0.5) & ~splatted.valid
    if not bool(cracks.any()):
        return splatted
    features, disparity = splatted.features, splatted.disparity
    for _ in range(CRACK_FILL_PASSES):
        weight = F.avg_pool2d(known, 3, stride=1, padding=1)
        fill = cracks & (weight > 0) & (known < 0.5)
        weight = weight.clamp_min(1e-6)
        features = torch.where(fill, F.avg_pool2d(features * known, 3, stride=1, padding=1) / weight, features)
        disparity = torch.where(fill, F.avg_pool2d(disparity * known, 3, stride=1, padding=1) / weight, disparity)
        known = known + fill.float()
    return replace(splatted, features=features, disparity=disparity, valid=known > 0.5)


def _rendered_weight(valid: torch.Tensor) -> torch.Tensor:  # [B, 1, H, W] in [0, 1]
    """How much of each pixel comes from the render: 1 inside rendered areas, feathered over
    a couple of pixels at hole edges so no seam shows."""
    return gaussian_blur2d(erosion(valid.float(), torch.ones(3, 3, device=valid.device)), (5, 5), (1.0, 1.0))


def keep_rendered(
    rgb: torch.Tensor,  # [B, 3, H, W] refined
    disparity: torch.Tensor,  # [B, 1, H, W] refined
    splatted: SplatResult,  # features [B, 3+, H, W] (first three: colour)
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:  # rgb, disparity, the rendered weight
    """Rendered pixels as rendered, the refiner's output in the holes."""
    keep = _rendered_weight(splatted.valid)
    rgb = rgb + (splatted.features[:, :3] - rgb) * keep
    disparity = disparity + (splatted.disparity.clamp(DISPARITY_MIN, DISPARITY_MAX) - disparity) * keep
    return rgb, disparity, keep
