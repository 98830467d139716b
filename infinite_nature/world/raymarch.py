"""Ray / height-field intersection by adaptive marching with bisection refinement."""

from __future__ import annotations

from collections.abc import Callable

import torch

HIT_EPSILON = 1e-3  # a ray has hit when it is less than this fraction of its depth above ground
STEP_FACTOR = 0.5  # fraction of the height above ground taken as the next step
MIN_STEP_FRACTION = 0.008  # never step less than this fraction of the depth so far
MAX_STEPS = 320
BISECTIONS = 7
NEAR = 0.25


def march(
    origin: torch.Tensor,  # [3] world position (x, y down, z)
    directions: torch.Tensor,  # [N, 3] world directions scaled so that t is camera depth
    surface: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],  # (x, z) -> height of what rays stop on
    max_height: float,
    far: float,
) -> torch.Tensor:  # [N] depth t of the first hit, inf where the ray escapes to the sky
    """Depth of each ray's first intersection with the surface ``up = surface(x, z)``."""
    count = directions.shape[0]
    ox, oz, o_up = float(origin[0]), float(origin[2]), float(-origin[1])
    rise = -directions[:, 1]  # metres of height gained per unit t
    length = directions.norm(dim=1)
    result = torch.full((count,), float("inf"), dtype=directions.dtype)
    index = torch.arange(count)
    t = torch.full((count,), NEAR, dtype=directions.dtype)
    previous = torch.zeros(count, dtype=directions.dtype)

    def height_above(idx: torch.Tensor, depth: torch.Tensor) -> torch.Tensor:
        d = directions[idx]
        return o_up + depth * rise[idx] - surface(ox + depth * d[:, 0], oz + depth * d[:, 2])

    hits: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
    for _ in range(MAX_STEPS):
        if index.numel() == 0:
            break
        above = height_above(index, t)
        hit = above < HIT_EPSILON * t
        escaped = (t > far) | ((rise[index] >= 0) & (o_up + t * rise[index] > max_height))
        hits.append((index[hit], previous[hit], t[hit]))
        going = ~(hit | escaped)
        step = torch.maximum(STEP_FACTOR * above / length[index], MIN_STEP_FRACTION * t)
        previous, t, index = t[going], (t + step)[going], index[going]
    if index.numel() > 0:  # still grazing the ground after MAX_STEPS: stop where they are
        result[index] = torch.where(t < far, t, torch.full_like(t, float("inf")))
    if hits:  # refine every hit at once: the surface lies between the last two depths
        hit_index = torch.cat([h[0] for h in hits])
        low = torch.cat([h[1] for h in hits])
        high = torch.cat([h[2] for h in hits])
        for _ in range(BISECTIONS):
            middle = 0.5 * (low + high)
            below = height_above(hit_index, middle) < HIT_EPSILON * middle
            high = torch.where(below, middle, high)
            low = torch.where(below, low, middle)
        result[hit_index] = high
    return result
