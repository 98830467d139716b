"""Loading one collection item into tensors (photo, and depth/sky/camera where present)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from infinite_nature.data.layout import CollectionItem
from infinite_nature.geometry.camera import Camera
from infinite_nature.image import image_to_tensor


class UnreadableImage(ValueError):
    """A file that is not a readable image (empty, truncated, corrupt or another format)."""


@dataclass
class LoadedItem:
    rgb: torch.Tensor  # [1, 3, H, W] in [0, 1]
    depth: torch.Tensor | None  # [1, 1, H, W] metric, inf for sky
    sky: torch.Tensor | None  # [1, 1, H, W] bool
    camera: Camera | None
    metadata: dict[str, object]


def read_rgb(path) -> np.ndarray:  # [H, W, 3] uint8
    """A photo as RGB uint8, EXIF orientation applied; UnreadableImage with the reason otherwise."""
    try:
        with Image.open(path) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode in ("I;16", "I;16B", "I;16L", "I"):
                array = np.asarray(image, dtype=np.float64)
                scale = 65535.0 if array.max() > 255 else 255.0
                return np.repeat((array / scale * 255.0).round().clip(0, 255).astype(np.uint8)[..., None], 3, axis=2)
            if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
                background = Image.new("RGBA", image.size, (255, 255, 255, 255))
                image = Image.alpha_composite(background, image.convert("RGBA"))
            return np.asarray(image.convert("RGB"), dtype=np.uint8)
    except FileNotFoundError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise UnreadableImage(f"{path}: not a readable image ({error})") from error


def load_item(item: CollectionItem) -> LoadedItem:
    """Read a photo and its sidecars; sidecar sizes must match the photo."""
    rgb = image_to_tensor(read_rgb(item.image))
    height, width = rgb.shape[-2:]
    depth = sky = camera = None
    metadata: dict[str, object] = {}
    if item.depth is not None:
        array = np.load(item.depth, allow_pickle=False)
        if array.shape != (height, width):
            raise ValueError(f"{item.depth}: depth is {array.shape}, the photo is {(height, width)}")
        depth = torch.from_numpy(array.astype(np.float32))[None, None]
    if item.sky is not None:
        mask = np.asarray(Image.open(item.sky).convert("L"))
        if mask.shape != (height, width):
            raise ValueError(f"{item.sky}: sky mask is {mask.shape}, the photo is {(height, width)}")
        sky = torch.from_numpy(mask > 127)[None, None]
    if item.camera is not None:
        metadata = json.loads(item.camera.read_text(encoding="utf-8"))
        camera = Camera.from_dict(metadata)
    return LoadedItem(rgb, depth, sky, camera, metadata)
