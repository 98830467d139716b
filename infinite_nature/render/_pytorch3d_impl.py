"""Adapter to pytorch3d's points rasterizer (optional; pytorch3d installs only from source).

pytorch3d draws each point as a disk instead of a bilinear footprint, so results agree
with the other backends in the large but not pixel for pixel. Only the accumulation is
delegated; projection, weights and normalisation stay shared in ``splatting.py``.
"""

from __future__ import annotations

import importlib.util

import torch

POINTS_PER_PIXEL = 8
RADIUS_PIXELS = 0.75


def is_available() -> bool:
    """Whether pytorch3d can be imported here."""
    return importlib.util.find_spec("pytorch3d") is not None


def bilinear_splat(
    uv: torch.Tensor,  # [B, N, 2]
    values: torch.Tensor,  # [B, C, N]
    height: int,
    width: int,
    key: torch.Tensor | None = None,  # [B, N] disparity; pytorch3d keeps the nearest K per pixel
    key_max: torch.Tensor | None = None,
    tolerance: float = 0.0,
) -> torch.Tensor:  # [B, C, H, W]
    """Accumulate point values per pixel with pytorch3d's rasterizer and a linear disk kernel."""
    from pytorch3d.renderer.points.rasterize_points import rasterize_points
    from pytorch3d.structures import Pointclouds

    batch, channels, count = values.shape
    short = float(min(height, width))
    # pixel (u, v) -> pytorch3d NDC: +X left, +Y up, the shorter side spanning [-1, 1].
    x = -((2.0 * (uv[..., 0] + 0.5) / width - 1.0) * (width / short))
    y = -((2.0 * (uv[..., 1] + 0.5) / height - 1.0) * (height / short))
    depth = 1.0 / key.clamp_min(1e-6) if key is not None else torch.ones_like(x)
    points = torch.stack([x, y, depth], dim=-1)
    radius = RADIUS_PIXELS * 2.0 / short
    idx, _, dists = rasterize_points(
        Pointclouds(points=points.float()),
        image_size=(height, width),
        radius=radius,
        points_per_pixel=POINTS_PER_PIXEL,
    )  # idx [B, H, W, K] packed point indices (-1: none), dists [B, H, W, K] squared NDC
    weight = (1.0 - dists / radius**2).clamp_min(0.0).to(values.dtype)
    weight = torch.where(idx >= 0, weight, torch.zeros_like(weight))
    if key is not None and key_max is not None:
        nearest = key_max.view(batch, height, width, 1)
        k = key.reshape(-1)[idx.clamp_min(0)]
        weight = torch.where(k >= (1.0 - tolerance) * nearest, weight, torch.zeros_like(weight))
    gathered = values.transpose(1, 2).reshape(batch * count, channels)[idx.clamp_min(0).reshape(-1)]
    gathered = gathered.view(batch, height, width, POINTS_PER_PIXEL, channels)
    out = (weight[..., None] * gathered).sum(dim=3)  # [B, H, W, C]
    return out.permute(0, 3, 1, 2).contiguous()
