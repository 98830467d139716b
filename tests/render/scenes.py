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


def lake(size: int = 64, height: float = 1.0):
    """A level camera over a lake ``height`` below it: disparity of the plane below the horizon,
    sky above; the water's colour darkens with the ray's angle below the horizon."""
    intrinsics = intrinsics_from_fov(60.0, size, size)
    rows = torch.arange(size, dtype=torch.float32).view(1, 1, size, 1).expand(1, 1, size, size)
    slope = (rows - intrinsics[0, 1, 2]) / intrinsics[0, 1, 1]  # y / z of each pixel's ray
    sky = slope <= 0.02
    disparity = torch.where(sky, torch.full_like(slope, 0.01), slope / height)  # depth z = height / slope
    columns = torch.arange(size, dtype=torch.float32).view(1, 1, 1, size)
    ray_length = torch.sqrt(1 + slope**2 + ((columns - intrinsics[0, 0, 2]) / intrinsics[0, 0, 0]) ** 2)
    sine = slope / ray_length  # sine of the angle between ray and water
    rgb = torch.cat([0.8 - sine, 0.8 - sine, 0.9 - sine], dim=1).clamp(0, 1)
    return rgb, disparity, sky, intrinsics


def glint_centre(image: torch.Tensor) -> tuple[float, float]:  # [1, 3, H, W] -> (column, row)
    """Centre of what stands out brighter than its row's median by 0.1 or more (a glint)."""
    brightness = image.mean(dim=1)[0]  # [H, W]
    excess = (brightness - brightness.median(dim=1, keepdim=True).values - 0.1).clamp_min(0)
    rows, columns = torch.meshgrid(torch.arange(image.shape[-2]), torch.arange(image.shape[-1]), indexing="ij")
    total = excess.sum()
    return float((excess * columns).sum() / total), float((excess * rows).sum() / total)
