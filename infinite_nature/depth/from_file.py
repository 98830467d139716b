"""``file:PATH``: the user's own depth or disparity map for a photo (npy, or 8/16-bit image)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

from infinite_nature.depth.base import DepthBackend, DepthEstimate, finish_relative
from infinite_nature.errors import InfiniteNatureError

MAP_KINDS = ("disparity", "depth")


def read_map(path: Path) -> np.ndarray:  # [H, W] float64
    """A single-channel map from .npy (float) or an 8/16-bit image."""
    if not path.is_file():
        raise InfiniteNatureError(f"depth map {path} does not exist")
    try:
        if path.suffix.lower() == ".npy":
            array = np.load(path, allow_pickle=False).astype(np.float64)
        else:
            with Image.open(path) as image:
                array = np.asarray(image).astype(np.float64)
    except (OSError, ValueError, UnidentifiedImageError) as error:
        raise InfiniteNatureError(f"depth map {path}: unreadable ({error})") from None
    if array.ndim == 3:
        array = array[..., 0]
    if array.ndim != 2 or min(array.shape) < 2:
        raise InfiniteNatureError(f"depth map {path}: expected a 2-D map, got shape {array.shape}")
    return array


class FileDepth(DepthBackend):
    """Reads one map; ``kind`` says whether larger values are nearer (disparity) or farther (depth)."""

    def __init__(self, path: str, kind: str = "disparity") -> None:
        if kind not in MAP_KINDS:
            raise InfiniteNatureError(f"depth map kind must be one of {MAP_KINDS}, got {kind!r}")
        self.name = f"file:{path}"
        self.kind = kind
        self.map = read_map(Path(path))

    def estimate(self, rgb: torch.Tensor) -> DepthEstimate:
        values = torch.from_numpy(self.map)[None, None].float()
        if self.kind == "depth":
            finite = torch.isfinite(values) & (values > 0)
            if not bool(finite.any()):
                raise InfiniteNatureError(f"{self.name}: the depth map has no finite positive values")
            at_max = values >= values[finite].max()
            saturated = at_max.float().mean() > 0.005  # a far plane the map was clipped to: sky
            far = ~finite | (at_max & saturated)
            disparity = torch.where(far, torch.zeros_like(values), 1.0 / values.clamp_min(1e-6))
        else:
            far = ~torch.isfinite(values) | (values <= 0)
            disparity = torch.where(far, torch.zeros_like(values), values)
        size = tuple(rgb.shape[-2:])
        sky = F.interpolate(far.float(), size=size, mode="nearest") > 0.5
        return finish_relative(disparity.expand(rgb.shape[0], -1, -1, -1), size, sky.expand(rgb.shape[0], -1, -1, -1), self.name)
