"""The built-in depth + sky network (our weights; shipped defaults or ``--depth-weights PATH``)."""

from __future__ import annotations

import torch

from infinite_nature.depth.base import DepthBackend, DepthEstimate
from infinite_nature.models.checkpoint import load_checkpoint
from infinite_nature.models.depth_sky import DepthSkyNet
from infinite_nature.models.pretrained import load_pretrained


def load_depth_sky(weights: str | None, device: torch.device) -> DepthSkyNet:
    """Our depth+sky network from a checkpoint path, or the shipped default."""
    if weights:
        return load_checkpoint(weights, network="depth_sky", device=device)  # type: ignore[return-value]
    return load_pretrained("default", "depth_sky", device=device)  # type: ignore[return-value]


class BuiltinDepth(DepthBackend):
    name = "builtin"

    def __init__(self, weights: str | None = None, device: torch.device = torch.device("cpu")) -> None:
        self.network = load_depth_sky(weights, device)
        self.device = device

    @torch.no_grad()
    def estimate(self, rgb: torch.Tensor) -> DepthEstimate:
        out = self.network.predict(rgb.to(self.device))
        return DepthEstimate(out.disparity, out.sky, self.name)
