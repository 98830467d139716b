"""Sky at infinity: colour gradient by time of day, sun disc and glow, and procedural clouds.

The sky depends on the view direction only (never on the camera position), so rotating
the camera is the only way to change what sky a pixel sees, as for a real sky.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from infinite_nature.world.noise import fbm
from infinite_nature.world.params import WorldParams
from infinite_nature.world.terrain import smoothstep

CLOUD_ALTITUDE = 2500.0


@dataclass(frozen=True)
class Palette:
    zenith: tuple[float, float, float]
    horizon: tuple[float, float, float]
    sun: tuple[float, float, float]
    ambient: float


PALETTES = {
    "day": Palette((0.20, 0.40, 0.78), (0.68, 0.79, 0.92), (1.00, 0.96, 0.88), 1.0),
    "golden": Palette((0.28, 0.38, 0.64), (0.98, 0.74, 0.48), (1.00, 0.72, 0.42), 0.8),
    "overcast": Palette((0.52, 0.56, 0.61), (0.76, 0.78, 0.80), (0.70, 0.70, 0.70), 0.9),
    "dusk": Palette((0.14, 0.16, 0.36), (0.88, 0.52, 0.42), (0.95, 0.55, 0.40), 0.75),
}


def sun_direction(params: WorldParams) -> torch.Tensor:
    """Unit vector towards the sun in the world frame (x east, y down, z north)."""
    elevation, azimuth = math.radians(params.sun_elevation), math.radians(params.sun_azimuth)
    return torch.tensor(
        [math.cos(elevation) * math.sin(azimuth), -math.sin(elevation), math.cos(elevation) * math.cos(azimuth)]
    )


class Sky:
    """Colour of the sky in any direction for one world."""

    def __init__(self, params: WorldParams, seed: int) -> None:
        self.params = params
        self.seed = seed
        self.palette = PALETTES[params.time_of_day]
        self.sun = sun_direction(params)
        self.sun_colour = torch.tensor(self.palette.sun)
        self.zenith = torch.tensor(self.palette.zenith)
        self.horizon = torch.tensor(self.palette.horizon)

    def gradient(self, directions: torch.Tensor) -> torch.Tensor:
        """Sky colour without clouds, ``[N, 3]`` from unit directions ``[N, 3]``."""
        up = (-directions[:, 1]).clamp(-1.0, 1.0)
        t = 1.0 - (1.0 - up.clamp(0.0, 1.0)) ** 3
        colour = self.horizon + (self.zenith - self.horizon) * t[:, None]
        colour = colour * (1.0 - 0.25 * (-up).clamp(0.0, 1.0))[:, None]  # darker below the horizon
        glow = (directions @ self.sun).clamp(0.0, 1.0)
        strength = 0.35 if self.params.time_of_day != "overcast" else 0.12
        colour = colour + self.sun_colour * (strength * glow**8 + 0.5 * strength * glow**64)[:, None]
        return colour

    def colour(self, directions: torch.Tensor) -> torch.Tensor:
        """Full sky colour (gradient, sun disc, clouds), ``[N, 3]`` from ``[N, 3]``."""
        directions = torch.nn.functional.normalize(directions, dim=-1)
        colour = self.gradient(directions)
        glow = directions @ self.sun
        if self.params.time_of_day != "overcast":
            disc = smoothstep(0.99990, 0.99996, glow)
            colour = colour + self.sun_colour * 3.0 * disc[:, None]
        up = -directions[:, 1]
        visible = up > 0.005
        if self.params.cloud_cover > 0 and bool(visible.any()):
            d = directions[visible]
            reach = CLOUD_ALTITUDE / up[visible]
            cx, cz = d[:, 0] * reach, d[:, 2] * reach
            cover = fbm(cx, cz, self.seed * 13 + 5, 2600.0, 6) * 0.5 + 0.5
            threshold = 1.0 - self.params.cloud_cover
            density = smoothstep(threshold - 0.05, threshold + 0.25, cover)
            density = density * smoothstep(0.01, 0.12, up[visible])
            shade = fbm(cx + 300.0, cz - 200.0, self.seed * 13 + 6, 900.0, 3) * 0.5 + 0.5
            lit = 0.75 + 0.35 * (d @ self.sun).clamp(0, 1)
            cloud = (0.55 + 0.45 * shade)[:, None] * (0.65 * self.sun_colour + 0.35 * self.horizon) * lit[:, None]
            colour[visible] = colour[visible] + (cloud - colour[visible]) * density[:, None]
        return colour
