"""A cache of the height field on world-aligned grids around the camera (a clipmap).

Ray marching needs the height of millions of points; evaluating the fractal sum for each
would take seconds. Instead each level ``k`` holds the exact height at grid nodes spaced
``base_cell * 2**k`` apart, centred on the camera and snapped to the grid, so the nodes
are the same world points whichever camera built them. Lookups interpolate bilinearly in
the finest level that covers the point, blended smoothly into the next coarser level with
distance. Tiles are cached, so a camera moving along a path rebuilds little.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import torch
import torch.nn.functional as F

from infinite_nature.world.terrain import Terrain

RESOLUTION = 192  # nodes per side of one level
LEVELS = 9
BASE_CELL = 1.0  # metres between nodes at level 0
BLEND_START = 42.0  # in cells: level k serves points up to 84 * cell_k away, blending from 42


class Clipmap:
    """Height lookups around one centre, from cached world-aligned tiles."""

    def __init__(self, terrain: Terrain, cache_size: int = 64) -> None:
        self.terrain = terrain
        self._cache: OrderedDict[tuple[int, int, int], torch.Tensor] = OrderedDict()
        self._cache_size = cache_size
        self.centre = (0.0, 0.0)
        self._atlas = torch.empty(0)
        self._origins_x = self._origins_z = torch.empty(0)
        self._x_scale = 2.0 / (RESOLUTION * LEVELS - 1)
        self._z_scale = 2.0 / (RESOLUTION - 1)

    @staticmethod
    def cell(level: int) -> float:
        return BASE_CELL * 2.0**level

    def _tile(self, level: int, origin_x: int, origin_z: int) -> torch.Tensor:
        key = (level, origin_x, origin_z)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        cell = self.cell(level)
        ticks = torch.arange(RESOLUTION, dtype=torch.float64)
        zs, xs = torch.meshgrid((origin_z + ticks) * cell, (origin_x + ticks) * cell, indexing="ij")
        tile = self.terrain.height(xs.float(), zs.float(), min_wavelength=2.0 * cell)
        self._cache[key] = tile
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return tile

    def centre_on(self, x: float, z: float) -> None:
        """Make every level cover the neighbourhood of ``(x, z)``."""
        tiles, origins = [], []
        for level in range(LEVELS):
            cell = self.cell(level)
            origin_x = 2 * math.floor((x / cell - RESOLUTION / 2) / 2)
            origin_z = 2 * math.floor((z / cell - RESOLUTION / 2) / 2)
            tiles.append(self._tile(level, origin_x, origin_z))
            origins.append((origin_x * cell, origin_z * cell))
        self.centre = (x, z)
        self._atlas = torch.cat(tiles, dim=1)[None, None]  # [1, 1, R, R * LEVELS]
        self._origins_x = torch.tensor([o[0] for o in origins], dtype=torch.float32)  # [LEVELS]
        self._origins_z = torch.tensor([o[1] for o in origins], dtype=torch.float32)

    @property
    def reach(self) -> float:
        """Distance from the centre that the coarsest level still covers."""
        return 2.0 * BLEND_START * self.cell(LEVELS - 1)

    def level_of(self, x: torch.Tensor, z: torch.Tensor, coarser: float = 0.0) -> torch.Tensor:
        """Continuous level for each point: 0 near the centre, +1 per doubling of distance."""
        distance = torch.maximum((x - self.centre[0]).abs(), (z - self.centre[1]).abs())
        level = torch.log2((distance / (BLEND_START * BASE_CELL)).clamp_min(1.0)) + coarser
        return level.clamp(0.0, LEVELS - 1.0)

    def height(self, x: torch.Tensor, z: torch.Tensor, coarser: float = 0.0) -> torch.Tensor:
        """Interpolated ground height at world points (any shape); ``coarser`` adds levels (blur)."""
        shape = x.shape
        x, z = x.reshape(-1), z.reshape(-1)
        level = self.level_of(x, z, coarser)
        low = level.floor().clamp(max=LEVELS - 2)
        blend = level - low
        both = torch.cat([low, low + 1])  # [2N] the two levels every point blends
        index = both.long()
        inverse_cell = torch.exp2(-both) / BASE_CELL
        local_x = ((x.repeat(2) - self._origins_x[index]) * inverse_cell).clamp(0.0, RESOLUTION - 1.0)
        local_z = ((z.repeat(2) - self._origins_z[index]) * inverse_cell).clamp(0.0, RESOLUTION - 1.0)
        grid = torch.stack(
            [(both * RESOLUTION + local_x) * self._x_scale - 1.0, local_z * self._z_scale - 1.0], dim=-1
        )
        values = F.grid_sample(self._atlas, grid.view(1, 1, -1, 2), mode="bilinear", align_corners=True)
        fine, coarse = values.view(2, -1)
        return (fine + (coarse - fine) * blend).view(shape)
