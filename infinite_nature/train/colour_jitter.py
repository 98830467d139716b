"""Photometric augmentation of training views: random hue, saturation, contrast, brightness,
gamma and white balance.

Procedural worlds have a narrow palette (their grass, rock and haze colours), and a depth
network trained on them reads depth from colour: rotating a real photo's hue moves its
predicted depth by a third of the range (a green meadow is put behind the trees above it).
Jittered colours make shape and texture, which real photos share with the worlds, the cues
that work. Only the RGB input changes; disparity and sky targets stay as they are.
"""

from __future__ import annotations

import math
import random

import kornia
import torch

UNCHANGED_SHARE = 0.2  # of the views keep their own colours, so the worlds' palette is still seen


def jitter_colours(
    rgb: torch.Tensor,  # [3, H, W] in [0, 1]
    strength: float,
    rng: random.Random,
) -> torch.Tensor:  # [3, H, W] in [0, 1]
    """``rgb`` with colours changed at random; ``strength`` 1 allows any hue, 0 changes nothing.

    Every random choice comes from ``rng``, so a batch stays a pure function of its step.
    """
    if strength <= 0 or rng.random() < UNCHANGED_SHARE:
        return rgb
    hue = rng.uniform(-math.pi, math.pi) * strength  # radians
    saturation = math.exp(rng.uniform(-1.0, 0.4) * strength)
    contrast = math.exp(rng.uniform(-0.4, 0.3) * strength)
    brightness = math.exp(rng.uniform(-0.3, 0.3) * strength)
    gamma = math.exp(rng.uniform(-0.4, 0.4) * strength)
    balance = torch.tensor([math.exp(rng.uniform(-0.15, 0.15) * strength) for _ in range(3)]).view(3, 1, 1)
    out = kornia.enhance.adjust_hue(rgb[None], hue)
    out = kornia.enhance.adjust_saturation(out, saturation)[0]
    mean = out.mean()
    out = ((out - mean) * contrast + mean).clamp(0, 1)
    out = (out.clamp_min(1e-6) ** gamma * brightness * balance.to(out.dtype)).clamp(0, 1)
    return out
