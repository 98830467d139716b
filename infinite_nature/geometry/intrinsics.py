"""Pinhole intrinsics convention (the one place that defines it).

Intrinsics are ``[B, 3, 3]`` matrices in *pixel units*. Pixel centres sit at integer
coordinates: pixel ``(row v, column u)`` is the point ``(u, v)``, so an image of width ``W``
spans ``[-0.5, W - 0.5]`` and its centre is ``((W - 1) / 2, (H - 1) / 2)`` (kornia's
convention). The field of view is the *horizontal* one, across the full image width.
Pixels are square (``fx == fy``) unless a resize makes them otherwise.
"""

from __future__ import annotations

import math

import torch


def intrinsics_from_fov(
    fov_degrees: float,
    height: int,
    width: int,
    batch_size: int = 1,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> torch.Tensor:  # [B, 3, 3]
    """Intrinsics of a centred pinhole camera with the given horizontal field of view."""
    if not 0.0 < fov_degrees < 180.0:
        raise ValueError(f"fov_degrees must be in (0, 180), got {fov_degrees}")
    if height <= 0 or width <= 0:
        raise ValueError(f"image size must be positive, got {height}x{width}")
    focal = (width / 2.0) / math.tan(math.radians(fov_degrees) / 2.0)
    k = torch.tensor(
        [[focal, 0.0, (width - 1) / 2.0], [0.0, focal, (height - 1) / 2.0], [0.0, 0.0, 1.0]],
        dtype=dtype,
        device=device,
    )
    return k.expand(batch_size, 3, 3).clone()


def resize_intrinsics(intrinsics: torch.Tensor, scale_x: float, scale_y: float) -> torch.Tensor:
    """Intrinsics after resizing the image by (scale_x, scale_y) (new size / old size)."""
    out = intrinsics.clone()
    out[..., 0, 0] = intrinsics[..., 0, 0] * scale_x
    out[..., 1, 1] = intrinsics[..., 1, 1] * scale_y
    out[..., 0, 2] = (intrinsics[..., 0, 2] + 0.5) * scale_x - 0.5
    out[..., 1, 2] = (intrinsics[..., 1, 2] + 0.5) * scale_y - 0.5
    return out


def crop_intrinsics(intrinsics: torch.Tensor, top: float, left: float) -> torch.Tensor:
    """Intrinsics after cropping the image at (top, left); negative values mean padding."""
    out = intrinsics.clone()
    out[..., 0, 2] = intrinsics[..., 0, 2] - left
    out[..., 1, 2] = intrinsics[..., 1, 2] - top
    return out


def horizontal_fov_degrees(intrinsics: torch.Tensor, width: int) -> torch.Tensor:  # [B]
    """Horizontal field of view of intrinsics for an image of the given width."""
    return torch.rad2deg(2.0 * torch.atan((width / 2.0) / intrinsics[..., 0, 0]))
