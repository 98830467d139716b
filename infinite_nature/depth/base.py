"""What every depth backend returns, and the sky rule for backends without a sky head."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from infinite_nature.disparity import DISPARITY_MIN, normalise_relative_disparity
from infinite_nature.sky_mask import sky_open_to_top

FAR_PLANE_MARGIN = 1.5  # disparity within this factor of the far plane counts as sky


@dataclass
class DepthEstimate:
    disparity: torch.Tensor  # [B, 1, H, W] normalised disparity (infinite_nature.disparity), sky at 0.01
    sky: torch.Tensor  # [B, 1, H, W] bool
    backend: str


def sky_from_far_plane(disparity: torch.Tensor) -> torch.Tensor:
    """Sky = pixels at the far plane of a normalised disparity map, open to the top of the frame
    (for maps without a sky head)."""
    return sky_open_to_top(disparity <= DISPARITY_MIN * FAR_PLANE_MARGIN)


def finish_relative(raw: torch.Tensor, size: tuple[int, int], sky: torch.Tensor | None, name: str) -> DepthEstimate:
    """Resize a backend's relative disparity ``[B, 1, h, w]`` to the photo and normalise it."""
    raw = F.interpolate(raw.float(), size=size, mode="bilinear", align_corners=False).clamp_min(0.0)
    if sky is None:
        disparity = normalise_relative_disparity(raw)
        sky = sky_from_far_plane(disparity)
    disparity = normalise_relative_disparity(raw, sky)
    return DepthEstimate(disparity, sky, name)


class DepthBackend(ABC):
    """Turns photos ``[B, 3, H, W]`` in [0, 1] into normalised disparity and a sky mask."""

    name: str

    @abstractmethod
    def estimate(self, rgb: torch.Tensor) -> DepthEstimate: ...
