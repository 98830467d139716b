"""Well-known pretrained depth models: MiDaS/DPT (torch.hub) and Depth Anything V2 (transformers).

They need internet on first use (or a local copy passed as ``--depth-weights``) and, for Depth
Anything, the ``[hub]`` extra. Their sky mask comes from our sky head when our weights are
available, else from the far plane of their own map.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path

import torch
import torch.nn.functional as F

from infinite_nature.depth.base import DepthBackend, DepthEstimate, finish_relative
from infinite_nature.errors import InfiniteNatureError

logger = logging.getLogger(__name__)

IMAGENET_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
IMAGENET_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

MIDAS_MODELS = {
    "midas-small": ("MiDaS_small", 256, "imagenet"),
    "dpt-hybrid": ("DPT_Hybrid", 384, "half"),
    "dpt-large": ("DPT_Large", 384, "half"),
}
DEPTH_ANYTHING_MODELS = {
    "depth-anything-v2-small": "depth-anything/Depth-Anything-V2-Small-hf",
    "depth-anything-v2-base": "depth-anything/Depth-Anything-V2-Base-hf",
}
MIDAS_REPO = "intel-isl/MiDaS"


def _resize_for(rgb: torch.Tensor, long_side: int, multiple: int) -> torch.Tensor:
    """Resize so the longer side is about ``long_side``, both sides multiples of ``multiple``."""
    height, width = rgb.shape[-2:]
    scale = long_side / max(height, width)
    size = (max(multiple, round(height * scale / multiple) * multiple), max(multiple, round(width * scale / multiple) * multiple))
    return F.interpolate(rgb, size=size, mode="bilinear", align_corners=False, antialias=True)


class _SkyHead:
    """Our sky head where our weights exist; ``None`` (far-plane rule) otherwise."""

    def __init__(self, sky_weights: str | None, device: torch.device) -> None:
        from infinite_nature.depth.builtin import load_depth_sky
        from infinite_nature.models.pretrained import WeightsNotFound

        try:
            self.network = load_depth_sky(sky_weights, device)
        except WeightsNotFound:
            self.network = None
            logger.info("no depth+sky weights for the sky head: sky comes from the depth map's far plane")

    def __call__(self, rgb: torch.Tensor) -> torch.Tensor | None:
        return None if self.network is None else self.network.predict(rgb).sky


class MidasDepth(DepthBackend):
    """MiDaS v2.1 small / DPT hybrid / DPT large via torch.hub (``weights``: a local hub repo folder)."""

    def __init__(self, name: str, weights: str | None, device: torch.device, sky_weights: str | None = None) -> None:
        self.name = name
        entry, self.long_side, self.normalisation = MIDAS_MODELS[name]
        repo, source = (weights, "local") if weights else (MIDAS_REPO, "github")
        if weights and not (Path(weights) / "hubconf.py").is_file():
            raise InfiniteNatureError(f"--depth-weights {weights}: not a torch.hub repository folder (no hubconf.py)")
        try:
            self.model = torch.hub.load(repo, entry, source=source, trust_repo=True).to(device).eval()
        except Exception as error:  # network errors, missing repo, bad hubconf
            hint = "" if weights else " (no internet?); pass --depth-weights PATH to a local clone of intel-isl/MiDaS"
            raise InfiniteNatureError(f"could not load {entry} from {repo}{hint}: {error}") from None
        self.device = device
        self.sky_head = _SkyHead(sky_weights, device)

    @torch.no_grad()
    def estimate(self, rgb: torch.Tensor) -> DepthEstimate:
        rgb = rgb.to(self.device)
        x = _resize_for(rgb, self.long_side, 32)
        if self.normalisation == "imagenet":
            x = (x - IMAGENET_MEAN.to(x)) / IMAGENET_STD.to(x)
        else:
            x = x * 2 - 1
        prediction = self.model(x)  # [B, h, w] relative inverse depth
        if prediction.ndim == 3:
            prediction = prediction[:, None]
        return finish_relative(prediction, tuple(rgb.shape[-2:]), self.sky_head(rgb), self.name)


class DepthAnythingDepth(DepthBackend):
    """Depth Anything V2 via transformers (``weights``: a local ``save_pretrained`` folder)."""

    def __init__(self, name: str, weights: str | None, device: torch.device, sky_weights: str | None = None) -> None:
        if importlib.util.find_spec("transformers") is None:
            raise InfiniteNatureError(
                f"the {name} depth backend needs transformers: pip install 'infinite-nature[hub]'"
            )
        from transformers import AutoModelForDepthEstimation

        self.name = name
        source = weights or DEPTH_ANYTHING_MODELS[name]
        if weights and not Path(weights).is_dir():
            raise InfiniteNatureError(f"--depth-weights {weights}: not a folder saved with save_pretrained")
        try:
            self.model = AutoModelForDepthEstimation.from_pretrained(
                source, local_files_only=bool(weights) or os.environ.get("HF_HUB_OFFLINE") == "1"
            ).to(device).eval()
        except Exception as error:
            hint = "" if weights else " (no internet?); pass --depth-weights PATH to a local copy"
            raise InfiniteNatureError(f"could not load {source}{hint}: {error}") from None
        self.patch = int(getattr(self.model.config, "patch_size", 14))
        self.device = device
        self.sky_head = _SkyHead(sky_weights, device)

    @torch.no_grad()
    def estimate(self, rgb: torch.Tensor) -> DepthEstimate:
        rgb = rgb.to(self.device)
        x = _resize_for(rgb, 518, self.patch)
        x = (x - IMAGENET_MEAN.to(x)) / IMAGENET_STD.to(x)
        prediction = self.model(pixel_values=x).predicted_depth  # [B, h, w] relative disparity
        return finish_relative(prediction[:, None], tuple(rgb.shape[-2:]), self.sky_head(rgb), self.name)
