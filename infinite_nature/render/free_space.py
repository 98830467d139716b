"""What a hole may hold: nothing in the space its source view saw through.

A hole's fill takes the disparity of the rendered ground around it. Where the camera climbs
over a crest, the ground around the opening behind it is the crest itself, near, while what
lies there is beyond it (validation world 6012: a lake); the near fill became anchor content
and flew along with the camera as a near band that never left the view. The source (the
anchor) saw through every point in front of its surfaces, so a fill there cannot be right.
``carve_free_space`` moves each such hole pixel back along its ray to the first depth the
source could not see: behind one of its surfaces, or outside its view. That is the nearest
the unseen can be; 3D-photo inpainting's rule that disocclusions are filled from the
background, taken from the geometry instead of from the depth edges of one image.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F

from infinite_nature.disparity import DISPARITY_MIN
from infinite_nature.render.splatting import NEAR_DEPTH, pixel_mapping

CARVE_STEPS = 16  # depths tried along a hole pixel's ray, from the fill's out to the far plane (evenly in log)
CARVE_TOLERANCE = 0.05  # seen through: this much nearer (in disparity) than every source surface within a pixel


class SourceView(NamedTuple):
    """The view a splat was rendered from, and how it sits relative to the target."""

    disparity: torch.Tensor  # [B, 1, Hs, Ws]
    intrinsics: torch.Tensor  # [B, 3, 3]
    transform: torch.Tensor  # [B, 4, 4] source camera -> target camera
    target_intrinsics: torch.Tensor  # [B, 3, 3]
    farthest: torch.Tensor | None = None  # [B, 1, H, W] no hole beyond this disparity (a plane nothing shows through)


def carve_free_space(
    disparity: torch.Tensor,  # [B, 1, H, W] the fill's, in the target view
    holes: torch.Tensor,  # [B, 1, H, W] bool: the pixels to check
    source: SourceView,
) -> torch.Tensor:  # [B, 1, H, W] at the holes: no nearer than what the source saw through
    """Each hole pixel at the nearest of ``CARVE_STEPS`` depths from its own out to the far plane
    that the source did not see through; the far plane where it saw through all of them (sky).
    A point counts as seen through only where it projects inside the source's view in front of
    it and is ``CARVE_TOLERANCE`` nearer than the nearest surface within a pixel of where it
    lands, so the edges of the source's surfaces do not count against a fill beside them; and
    no farther than ``source.farthest``, where given."""
    index = holes.reshape(-1).nonzero()[:, 0]
    if index.numel() == 0:
        return disparity
    batch, _, height, width = disparity.shape
    image = index // (height * width)
    column, row = (index % width).to(disparity.dtype), ((index // width) % height).to(disparity.dtype)
    # target pixel [u, v, 1] at depth z -> z * mapping @ [u, v, 1] + offset in the source camera
    mapping, offset = pixel_mapping(source.target_intrinsics, torch.linalg.inv(source.transform), source.intrinsics)
    homogeneous = torch.stack([column, row, torch.ones_like(row)], dim=1)  # [M, 3]
    rays = torch.bmm(mapping[image], homogeneous[:, :, None])[:, :, 0]  # [M, 3]
    nearest = F.max_pool2d(source.disparity, 3, stride=1, padding=1)  # the nearest surface within a pixel

    def seen_through(pick: torch.Tensor, candidate: torch.Tensor) -> torch.Tensor:  # [P], [P, K] -> [P, K] bool
        projected = rays[pick, None, :] / candidate[..., None] + offset[image[pick]]  # [P, K, 3]
        z = projected[..., 2]
        uv = projected[..., :2] / torch.where(z > NEAR_DEPTH, z, 1.0)[..., None]
        u, v = uv[..., 0].round(), uv[..., 1].round()
        source_height, source_width = nearest.shape[-2:]
        inside = (z > NEAR_DEPTH) & (u >= 0) & (u <= source_width - 1) & (v >= 0) & (v <= source_height - 1)
        lookup = (image[pick, None] * (source_height * source_width) + v.clamp(0, source_height - 1) * source_width
                  + u.clamp(0, source_width - 1)).long()
        return inside & (1.0 / z.clamp_min(NEAR_DEPTH) > nearest.reshape(-1)[lookup] * (1 + CARVE_TOLERANCE))

    fill = disparity.reshape(-1)[index].clamp_min(DISPARITY_MIN)  # [M]
    carved = fill.clone()
    moved = seen_through(torch.arange(index.numel(), device=index.device), fill[:, None])[:, 0].nonzero()[:, 0]
    if moved.numel():  # most fills are where nothing was seen through: only the others climb the ladder
        steps = torch.linspace(0, 1, CARVE_STEPS, dtype=disparity.dtype, device=disparity.device)
        ladder = fill[moved, None] * (DISPARITY_MIN / fill[moved, None]) ** steps  # [P, K] the fill's out to the far plane
        through = seen_through(moved, ladder)
        first = (~through).to(torch.uint8).argmax(dim=1)  # the first depth not seen through
        carved[moved] = torch.where(through.all(dim=1), DISPARITY_MIN, ladder.gather(1, first[:, None])[:, 0])
    carved = torch.minimum(disparity.reshape(-1)[index], carved)
    if source.farthest is not None:
        carved = torch.maximum(carved, source.farthest.reshape(-1)[index])
    out = disparity.clone().reshape(-1)
    out[index] = carved
    return out.view(batch, 1, height, width)
