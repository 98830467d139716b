"""A held-out world's start view at a size: what the depth and sky evaluations read.

Rendering it (the camera search and the ray march) is nearly all of those evaluations' time,
0.4 s a view at 128 px against 0.01 s for the depth network, and they read the same views:
`eval` measures depth and sky on the same worlds, `train promote` measures the current
network and the candidate. So a process renders each view once. Callers read the tensors and
do not change them.
"""

from __future__ import annotations

import functools

from infinite_nature.world import World, WorldView

CACHED_VIEWS = 150  # train promote's 140 depth views (about 0.4 MB each at 128 px)


@functools.lru_cache(maxsize=CACHED_VIEWS)
def start_view(seed: int, size: int) -> WorldView:
    """World ``seed``'s first start camera (``World.sample_camera``), rendered ``size`` x ``size``."""
    world = World(seed)
    return world.render(world.sample_camera(size, size))
