"""Projection between pixels + depth and camera-frame 3D points (OpenCV frame, z forward)."""

from __future__ import annotations

import torch
from kornia.geometry.camera.perspective import project_points
from kornia.geometry.depth import depth_to_3d_v2


def pixel_grid(height: int, width: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """Pixel centre coordinates ``(u, v)`` of an image, ``[H, W, 2]``."""
    v, u = torch.meshgrid(
        torch.arange(height, dtype=dtype, device=device),
        torch.arange(width, dtype=dtype, device=device),
        indexing="ij",
    )
    return torch.stack([u, v], dim=-1)


def unproject(
    depth: torch.Tensor,  # [B, 1, H, W] camera-frame z
    intrinsics: torch.Tensor,  # [B, 3, 3]
) -> torch.Tensor:  # [B, H, W, 3] camera-frame points
    """3D point of every pixel given its depth (z, not ray length)."""
    if depth.ndim != 4 or depth.shape[1] != 1:
        raise ValueError(f"depth must be [B, 1, H, W], got {tuple(depth.shape)}")
    return depth_to_3d_v2(depth[:, 0], intrinsics)


def project(
    points: torch.Tensor,  # [B, N, 3] camera-frame points
    intrinsics: torch.Tensor,  # [B, 3, 3]
) -> tuple[torch.Tensor, torch.Tensor]:  # ([B, N, 2] pixel (u, v), [B, N] depth z)
    """Pixel coordinates and depth of camera-frame points.

    Points at or behind the camera plane get meaningless pixel coordinates; callers mask
    them with the returned depth (``z > 0``).
    """
    if points.ndim != 3 or points.shape[-1] != 3:
        raise ValueError(f"points must be [B, N, 3], got {tuple(points.shape)}")
    z = points[..., 2]
    safe = torch.where(z.abs() < 1e-8, torch.full_like(z, 1e-8), z)
    safe_points = torch.cat([points[..., :2], safe[..., None]], dim=-1)
    uv = project_points(safe_points, intrinsics[:, None])
    return uv, z
