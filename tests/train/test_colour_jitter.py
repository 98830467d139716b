"""Colour jitter of training views: how far the colours move, and that some views keep theirs.
Batches (targets untouched, reproducible) and the recipe flag: test_depth_augmentations.py."""

import math
import random

import kornia
import torch

from infinite_nature.train.colour_jitter import jitter_colours


def _view() -> torch.Tensor:  # [3, 16, 16]: a green-brown landscape-like gradient
    rows = torch.linspace(0.2, 0.8, 16).view(1, 16, 1).expand(1, 16, 16)
    return torch.cat([0.5 * rows, rows, 0.3 * rows])


def _mean_hue(rgb: torch.Tensor) -> float:
    hsv = kornia.color.rgb_to_hsv(rgb[None])[0]
    angle = hsv[0]  # radians
    return math.atan2(float(torch.sin(angle).mean()), float(torch.cos(angle).mean()))


def test_strength_zero_keeps_the_view():
    view = _view()
    assert torch.equal(jitter_colours(view, 0.0, random.Random(0)), view)


def test_full_strength_reaches_other_hues_and_stays_in_range():
    view = _view()
    hues = []
    for seed in range(40):
        out = jitter_colours(view, 1.0, random.Random(seed))
        assert out.shape == view.shape and out.dtype == view.dtype
        assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
        hues.append(_mean_hue(out))
    own = _mean_hue(view)
    shifts = [abs(math.remainder(h - own, 2 * math.pi)) for h in hues]
    assert max(shifts) > 2.0  # far round the colour wheel
    assert sum(s < 1e-3 for s in shifts) >= 2  # some views keep their own colours


def test_weak_jitter_stays_near_the_view():
    view = _view()
    for seed in range(20):
        assert float((jitter_colours(view, 0.05, random.Random(seed)) - view).abs().max()) < 0.1
