"""A held-out world's start view at a size, and its own sky dome: what the depth and sky
evaluations read.

Rendering them (the camera search and the ray march; the dome's sky model) is nearly all of
those evaluations' time, 0.4 s a view at 128 px and 0.2 s a dome against 0.01 s for a
network, and they read the same ones: `eval` measures depth and sky on the same worlds,
`train promote` measures the current network and the candidate. So a process renders each
once. Callers read the tensors and do not change them.
"""

from __future__ import annotations

import functools

import torch

from infinite_nature.world import World, WorldView

CACHED_VIEWS = 150  # train promote's 140 depth views (about 0.4 MB each at 128 px)


@functools.lru_cache(maxsize=CACHED_VIEWS)
def start_view(seed: int, size: int) -> WorldView:
    """World ``seed``'s first start camera (``World.sample_camera``), rendered ``size`` x ``size``."""
    world = World(seed)
    return world.render(world.sample_camera(size, size))


@functools.lru_cache(maxsize=CACHED_VIEWS)
def true_sky_dome(seed: int, height: int, width: int, min_elevation: float) -> torch.Tensor:  # [1, 3, H, W]
    """World ``seed``'s own sky dome (``World.sky_dome``): the truth a generated dome is measured by."""
    return World(seed).sky_dome(height, width, min_elevation)
