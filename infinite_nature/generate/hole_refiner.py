"""The refiner run on a splatted frame's holes at the size it was trained at.

Where rendered pixels are kept (the flight's default), the refiner's output shows only in
holes wider than the small-hole fill, and there only as its disparity and as a colour
blurred over several pixels and held within a small leeway of the surroundings
(``render.fill.keep_rendered``); the texture comes from the surroundings. None of that
needs more pixels than the refiner was trained on (its config's ``input_size``: 128² crops
for the shipped weights), so a frame whose short side is longer is refined shrunk to that
short side (a 256² frame at 128²: a quarter of the pixels, about a quarter of the time) and
the result is scaled back up.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from infinite_nature.models.layers import shrunk_to_short_side
from infinite_nature.models.refiner import RefinerNet, RefinerOutput


def refine_holes(
    refiner: RefinerNet,
    rgb: torch.Tensor,  # [B, 3, H, W] splatted colour, 0 in holes
    disparity: torch.Tensor,  # [B, 1, H, W] splatted disparity, 0 in holes
    valid: torch.Tensor,  # [B, 1, H, W] bool
    style: torch.Tensor,  # [B, style_dim]
    latent: torch.Tensor,  # [B, latent_dim]
) -> RefinerOutput:  # rgb [B, 3, H, W], disparity [B, 1, H, W]
    """The refiner's output for the frame, computed with the frame shrunk to the refiner's
    ``input_size`` (``models.layers.shrunk_to_short_side``).

    Shrunk, a pixel is rendered only if every frame pixel it covers is (its colour and
    disparity are then their mean, exact); any hole in it makes it a hole, so the refiner
    never mistakes a hole's black for a rendered colour."""
    height, width = rgb.shape[-2:]
    size = shrunk_to_short_side(height, width, refiner.config.input_size)
    if size == (height, width):
        return refiner(rgb, disparity, valid.float(), style, latent)
    small_valid = F.adaptive_max_pool2d((~valid).float(), size) < 0.5  # [B, 1, h, w]
    small = [F.adaptive_avg_pool2d(x, size) * small_valid for x in (rgb, disparity)]
    refined = refiner(small[0], small[1], small_valid.float(), style, latent)

    def grow(x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, size=(height, width), mode="bilinear", align_corners=False)

    return RefinerOutput(grow(refined.rgb), grow(refined.disparity))
