"""Small synthetic scenes with known geometry for the renderer tests."""

from __future__ import annotations

import torch

from infinite_nature.geometry import intrinsics_from_fov


def smooth_texture(height: int, width: int, dtype=torch.float64) -> torch.Tensor:  # [1, 3, H, W]
    """A low-frequency colour pattern: bilinear resampling changes it very little."""
    v, u = torch.meshgrid(
        torch.arange(height, dtype=dtype), torch.arange(width, dtype=dtype), indexing="ij"
    )
    return torch.stack(
        [0.5 + 0.4 * torch.sin(u / 7.0), 0.5 + 0.4 * torch.cos(v / 5.0), 0.5 + 0.3 * torch.sin((u + v) / 9.0)]
    )[None]


def plane_disparity(intrinsics: torch.Tensor, normal: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Disparity of the plane ``normal . X = 1`` seen by a camera: ``1/z = normal . K^-1 [u, v, 1]``."""
    v, u = torch.meshgrid(
        torch.arange(height, dtype=intrinsics.dtype), torch.arange(width, dtype=intrinsics.dtype), indexing="ij"
    )
    pixels = torch.stack([u, v, torch.ones_like(u)], dim=-1)  # [H, W, 3]
    rays = pixels @ torch.linalg.inv(intrinsics[0]).T
    return (rays @ normal)[None, None]  # [1, 1, H, W]


def sideways(shift: float, dtype=torch.float64) -> torch.Tensor:
    """Source-to-target transform of a camera that moved right by ``shift``."""
    transform = torch.eye(4, dtype=dtype)[None].clone()
    transform[0, 0, 3] = -shift
    return transform


def default_intrinsics(height: int, width: int, dtype=torch.float64) -> torch.Tensor:
    return intrinsics_from_fov(60.0, height, width, dtype=dtype)
