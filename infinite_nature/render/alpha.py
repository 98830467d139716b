"""Edge-aware alpha: where disparity jumps, a splatted surface becomes a hole, not a smear."""

from __future__ import annotations

import torch
from kornia.filters import spatial_gradient

DEFAULT_EDGE_BETA = 4.0


def edge_alpha(
    disparity: torch.Tensor,  # [B, 1, H, W]
    beta: float = DEFAULT_EDGE_BETA,
) -> torch.Tensor:  # [B, 1, H, W] in (0, 1]
    """``exp(-beta * |sobel(disparity)|)`` (unnormalised Sobel, as InfiniteNature-Zero).

    Pixels on a depth discontinuity get a low alpha. After splatting, target pixels whose
    splatted alpha falls under the validity threshold are marked invalid, so the stretched
    band between a foreground edge and the background it uncovers is left for the refiner.
    """
    grad = spatial_gradient(disparity, mode="sobel", order=1, normalized=False)  # [B, 1, 2, H, W]
    magnitude = torch.sqrt((grad**2).sum(dim=2) + 1e-12)
    return torch.exp(-beta * magnitude)
