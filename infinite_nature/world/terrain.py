"""The unbounded height field: ridged mountains, rolling hills, plains, cliffs and water."""

from __future__ import annotations

import torch

from infinite_nature.world.noise import fbm, ridged
from infinite_nature.world.params import WorldParams


def smoothstep(edge0: float, edge1: float, x: torch.Tensor) -> torch.Tensor:
    t = ((x - edge0) / (edge1 - edge0)).clamp(0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


class Terrain:
    """Height above sea level (metres) of every ground point ``(x, z)``; up is -y in the world."""

    def __init__(self, params: WorldParams, seed: int) -> None:
        self.params = params
        self.seed = seed
        self.water_level = params.water_level * params.hill_height
        self.max_height = params.mountain_height + params.hill_height + 10.0

    def height(self, x: torch.Tensor, z: torch.Tensor, min_wavelength: float = 0.0) -> torch.Tensor:
        """Ground height; octaves shorter than ``min_wavelength`` are left out (level of detail)."""
        p = self.params
        s = self.seed * 7 + 11
        ranges = fbm(x, z, s, p.range_wavelength * 3.0, 3)  # continental layout in [-1, 1]
        mountains = smoothstep(p.plains_fraction * 1.2 - 0.6, p.plains_fraction * 1.2 - 0.2, ranges)
        peaks = ridged(x, z, s + 1, p.range_wavelength, 9, min_wavelength=min_wavelength)
        hills = fbm(x, z, s + 2, p.range_wavelength / 4.0, 8, min_wavelength=min_wavelength)
        detail = fbm(x, z, s + 3, 48.0, 5, min_wavelength=min_wavelength)
        height = p.mountain_height * mountains * peaks**1.5 + p.hill_height * hills * (1.0 - 0.6 * mountains)
        height = height + 1.5 * detail
        if p.cliff_strength > 0:
            step = 25.0
            level = height / step
            terraced = (torch.floor(level) + smoothstep(0.65, 0.95, level - torch.floor(level))) * step
            cliff_zones = smoothstep(0.1, 0.4, fbm(x, z, s + 4, 700.0, 2))
            height = height + p.cliff_strength * cliff_zones * (terraced - height)
        return height
