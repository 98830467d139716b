"""Bright, opaque clouds painted into the sky of training views.

The procedural worlds' clouds are thin fractal layers on a plane at infinity (docs/worlds.md),
so the depth + sky network has never seen a white, shaded cumulus: on the bundled picos photo
its sky probability is near 0 over the cloud, which then flies as distant ground and is
continued into a grey block when a turn opens the frame's side. Painting such clouds into the
sky of training views teaches the sky head that they are sky. The clouds cover only sky
pixels (they lie at infinity, behind every surface), so the targets stay as they are: the sky
label and the far-plane disparity are already right for them. A first short run with them
also taught that grey rock faces high in the frame are sky (model card History), so the
depth recipe leaves them off by default (``--clouds 0``).
"""

from __future__ import annotations

import random

import torch

from infinite_nature.world.noise import fbm

CLUSTERS = (1, 3)  # clouds per view
BLOBS = (3, 8)  # rounded lumps per cloud
WIDTH = (0.15, 0.6)  # a cloud's width, as a share of the view's width
NOISE_OCTAVES = 4  # of the fractal noise that makes the edges billow, the coarsest a quarter of the view across
NOISE_AMPLITUDE = 0.35
EDGE = (0.5, 0.3)  # the density where the edge starts and how far it takes to become opaque
SKY_TINT = 0.15  # how much of the sky's own colour a cloud takes


def _noise(rows: torch.Tensor, columns: torch.Tensor, rng: random.Random) -> torch.Tensor:  # [H, W] about in [-1, 1]
    width = float(columns.shape[-1])
    return fbm(columns, rows, rng.getrandbits(31), wavelength=width / 4, octaves=NOISE_OCTAVES)


def _cloud(height: int, width: int, centre: tuple[float, float], rng: random.Random
           ) -> tuple[torch.Tensor, torch.Tensor]:  # alpha [H, W], brightness [H, W]
    """One cumulus: lumps flattened along the horizon, billowing edges, lit from above."""
    rows, columns = torch.meshgrid(torch.arange(height, dtype=torch.float32), torch.arange(width, dtype=torch.float32),
                                   indexing="ij")
    span = rng.uniform(*WIDTH) * width
    density = torch.zeros(height, width)
    for _ in range(rng.randint(*BLOBS)):
        x = centre[1] + rng.gauss(0.0, span / 3)
        y = centre[0] + rng.gauss(0.0, span / 8)
        radius_x = rng.uniform(0.1, 0.3) * span
        radius_y = radius_x * rng.uniform(0.5, 0.9)
        density += torch.exp(-((columns - x) / radius_x).square() / 2 - ((rows - y) / radius_y).square() / 2)
    density = density + NOISE_AMPLITUDE * _noise(rows, columns, rng)
    alpha = ((density - EDGE[0]) / EDGE[1]).clamp(0, 1)
    alpha = alpha * alpha * (3 - 2 * alpha) * rng.uniform(0.75, 1.0)  # smoothstep, then its opacity
    below_centre = ((rows - centre[0]) / max(span / 4, 1.0)).clamp(-1, 1)  # -1 at the top, 1 at the bottom
    brightness = rng.uniform(0.8, 1.0) - 0.2 * (below_centre + 1) / 2 + 0.05 * _noise(rows, columns, rng)
    return alpha, brightness


def paste_clouds(
    rgb: torch.Tensor,  # [3, H, W] in [0, 1]
    sky: torch.Tensor,  # [1, H, W] bool
    rng: random.Random,
) -> torch.Tensor:  # [3, H, W] in [0, 1]
    """``rgb`` with one to three white, shaded clouds over its sky pixels (nothing else changes);
    a view without sky is returned as it is. Every random choice comes from ``rng``, so a
    batch stays a pure function of its step."""
    where = sky[0].nonzero()
    if where.shape[0] == 0:
        return rgb
    height, width = rgb.shape[-2:]
    sky_colour = rgb[:, sky[0]].mean(dim=1).view(3, 1, 1)
    out = rgb.clone()
    for _ in range(rng.randint(*CLUSTERS)):
        row, column = where[rng.randrange(where.shape[0])].tolist()
        alpha, brightness = _cloud(height, width, (float(row), float(column)), rng)
        colour = (brightness.clamp(0, 1)[None] * (1 - SKY_TINT) + sky_colour * SKY_TINT).to(rgb.dtype)
        alpha = (alpha[None] * sky).to(rgb.dtype)
        out = out * (1 - alpha) + colour * alpha
    return out.clamp(0, 1)
