"""Ground and water appearance: materials by height, slope and noise; sun, shadow, sky light; haze."""

from __future__ import annotations

import torch

from infinite_nature.world.clipmap import BASE_CELL, Clipmap
from infinite_nature.world.noise import fbm
from infinite_nature.world.params import WorldParams
from infinite_nature.world.sky import Sky
from infinite_nature.world.terrain import Terrain, smoothstep

GRASS_LUSH = torch.tensor([0.19, 0.34, 0.09])
GRASS_DRY = torch.tensor([0.55, 0.49, 0.26])
FOREST = torch.tensor([0.06, 0.15, 0.06])
ROCK = torch.tensor([0.42, 0.39, 0.35])
SNOW = torch.tensor([0.92, 0.94, 0.98])
SAND = torch.tensor([0.76, 0.70, 0.52])
WATER_DEEP = torch.tensor([0.02, 0.08, 0.11])
WATER_SHALLOW = torch.tensor([0.08, 0.22, 0.22])
SHADOW_STEPS = 18


def _mix(a: torch.Tensor, b: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    return a + (b - a) * weight[:, None]


class Shader:
    """Colours of ground and water hit points for one world."""

    def __init__(self, params: WorldParams, seed: int, terrain: Terrain, sky: Sky) -> None:
        self.params = params
        self.seed = seed
        self.terrain = terrain
        self.sky = sky

    def _normals(self, clipmap: Clipmap, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Ground normals ``[N, 3]`` as (east, up, north) from height differences at the local grid scale."""
        step = (BASE_CELL * torch.pow(2.0, clipmap.level_of(x, z))).clamp_min(0.5)
        heights = clipmap.height(torch.cat([x + step, x - step, x, x]), torch.cat([z, z, z + step, z - step]))
        east, west, north, south = heights.view(4, -1)
        normal = torch.stack([-(east - west) / (2 * step), torch.ones_like(x), -(north - south) / (2 * step)], dim=1)
        return torch.nn.functional.normalize(normal, dim=1)

    def _shadow(self, clipmap: Clipmap, x: torch.Tensor, z: torch.Tensor, up: torch.Tensor) -> torch.Tensor:
        """Soft sun visibility in [0, 1] by marching a few growing steps towards the sun."""
        sun = self.sky.sun
        if float(-sun[1]) <= 0.0:
            return torch.zeros_like(x)
        light = torch.ones_like(x)
        distance = 1.5
        for _ in range(SHADOW_STEPS):
            sx, sz, s_up = x + sun[0] * distance, z + sun[2] * distance, up - sun[1] * distance
            clearance = s_up - clipmap.height(sx, sz)
            light = torch.minimum(light, (clearance / (0.06 * distance) + 0.5).clamp(0.0, 1.0))
            distance *= 1.45
        return light

    def ground(
        self, clipmap: Clipmap, x: torch.Tensor, z: torch.Tensor, height: torch.Tensor, distance: torch.Tensor
    ) -> torch.Tensor:
        """Lit colour ``[N, 3]`` of terrain points ``(x, z)`` at ``height`` (from ``clipmap``), seen from ``distance`` metres."""
        p, s = self.params, self.seed * 31 + 3
        normal = self._normals(clipmap, x, z)
        slope_up = normal[:, 1]
        fine = fbm(x, z, s, 7.0, 3) * (1.0 - distance / 600.0).clamp(0.0, 1.0)
        patches = fbm(x, z, s + 1, 60.0, 3)
        forest_field = fbm(x, z, s + 2, 220.0, 4)

        grass = _mix(GRASS_LUSH, GRASS_DRY, (p.dryness + 0.25 * patches).clamp(0.0, 1.0))
        forest = smoothstep(1.0 - 2.0 * p.forest_density, 1.15 - 2.0 * p.forest_density, forest_field)
        forest = forest * smoothstep(0.80, 0.90, slope_up) * smoothstep(p.snow_line - 40, p.snow_line - 160, height)
        albedo = _mix(grass, FOREST * (0.8 + 0.4 * (patches[:, None] * 0.5 + 0.5)), forest)
        rock = smoothstep(0.86, 0.70, slope_up + 0.05 * patches)
        albedo = _mix(albedo, ROCK * (0.85 + 0.3 * (patches[:, None] * 0.5 + 0.5)), rock)
        snow = smoothstep(p.snow_line - 30, p.snow_line + 60, height + 40 * patches) * smoothstep(0.55, 0.75, slope_up)
        albedo = _mix(albedo, SNOW, snow)
        sand = smoothstep(self.terrain.water_level + 3.5, self.terrain.water_level + 1.0, height + patches)
        albedo = _mix(albedo, SAND, sand * (1.0 - snow))
        albedo = albedo * (1.0 + 0.22 * fine)[:, None]

        sun = self.sky.sun
        sun_world = torch.stack([sun[0], -sun[1], sun[2]])  # (east, up, north)
        lambert = (normal @ sun_world).clamp_min(0.0)
        shadow = self._shadow(clipmap, x, z, height + 0.5)
        occlusion = (0.75 + (height - clipmap.height(x, z, coarser=2.0)) / 25.0).clamp(0.35, 1.0)
        sun_strength = 1.15 if p.time_of_day != "overcast" else 0.35
        ambient = (0.55 * self.sky.zenith + 0.45 * self.sky.horizon) * self.sky.palette.ambient
        light = self.sky.sun_colour * (sun_strength * lambert * shadow)[:, None]
        light = light + ambient * (0.45 * (0.55 + 0.45 * slope_up) * occlusion)[:, None]
        return albedo * light

    def water(
        self, x: torch.Tensor, z: torch.Tensor, ground: torch.Tensor, view: torch.Tensor
    ) -> torch.Tensor:
        """Colour ``[N, 3]`` of the water surface: depth tint plus Fresnel sky reflection and glint."""
        s = self.seed * 37 + 9
        depth = (self.terrain.water_level - ground).clamp_min(0.0)
        body = _mix(WATER_SHALLOW, WATER_DEEP, smoothstep(0.0, 8.0, depth))
        body = body * (0.5 + 0.5 * self.sky.palette.ambient)
        ripple_x = fbm(x, z, s, 9.0, 2) * 0.04
        ripple_z = fbm(x + 50.0, z, s + 1, 9.0, 2) * 0.04
        reflected = view.clone()
        reflected[:, 1] = -reflected[:, 1].abs()  # mirror about the water plane: now pointing up
        reflected[:, 0] += ripple_x
        reflected[:, 2] += ripple_z
        reflected = torch.nn.functional.normalize(reflected, dim=1)
        cos_view = (-view[:, 1]).abs().clamp(0.0, 1.0)
        fresnel = 0.02 + 0.98 * (1.0 - cos_view) ** 5
        colour = _mix(body, self.sky.colour(reflected) * 0.9, fresnel.clamp(0.0, 0.9))
        shore = smoothstep(0.6, 0.0, depth) * 0.35
        return _mix(colour, SAND * 0.7, shore)

    def haze(
        self, colour: torch.Tensor, view: torch.Tensor, distance: torch.Tensor, height: torch.Tensor
    ) -> torch.Tensor:
        """Aerial perspective: fade towards the horizon sky colour with distance (less up high)."""
        density = self.params.haze_density * torch.exp(-(height - self.terrain.water_level).clamp_min(0.0) / 1500.0)
        amount = 1.0 - torch.exp(-distance * density)
        level = view.clone()
        level[:, 1] = 0.0
        level = torch.nn.functional.normalize(level + torch.tensor([0.0, -1e-3, 0.0]), dim=1)
        return _mix(colour, self.sky.gradient(level), amount)
