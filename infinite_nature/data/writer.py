"""Atomic writers for images, 16-bit maps, arrays and JSON (nothing half-written under a final name)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from infinite_nature.atomic import atomic_path

IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


def image_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in IMAGE_FORMATS:
        raise ValueError(f"{path}: unsupported image format {suffix or '(none)'}; use one of {', '.join(IMAGE_FORMATS)}")
    return IMAGE_FORMATS[suffix]


def write_image(path: str | Path, array: np.ndarray, quality: int = 95) -> None:
    """uint8 ``[H, W, 3]`` or ``[H, W]`` array to png/jpg/webp (by extension)."""
    fmt = image_format(path)
    options = {"quality": quality} if fmt in ("JPEG", "WEBP") else {}
    with atomic_path(path) as temporary:
        Image.fromarray(array).save(temporary, format=fmt, **options)


def write_png16(path: str | Path, values: np.ndarray) -> None:
    """A ``[H, W]`` map with values in [0, 1] as a 16-bit grayscale PNG (value * 65535)."""
    if Path(path).suffix.lower() != ".png":
        raise ValueError(f"{path}: 16-bit maps are written as .png")
    scaled = (np.clip(values, 0.0, 1.0) * 65535.0 + 0.5).astype(np.uint16)
    with atomic_path(path) as temporary:
        Image.fromarray(scaled).save(temporary, format="PNG")


def write_npy(path: str | Path, array: np.ndarray) -> None:
    with atomic_path(path) as temporary:
        with open(temporary, "wb") as handle:
            np.save(handle, array, allow_pickle=False)


def write_json(path: str | Path, data: object) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(data, indent=2), encoding="utf-8")
