"""Clouds painted into training views' sky: where they go (sky only, in views and in batches)
and what they look like (bright, shaded). Batches (targets untouched, reproducible) and the
recipe flag: test_depth_augmentations.py."""

import random

import torch

from infinite_nature.train.data import StepBatches, prepare_collection
from infinite_nature.train.sky_clouds import paste_clouds


def _view() -> tuple[torch.Tensor, torch.Tensor]:  # rgb [3, 48, 64], sky [1, 48, 64]: blue sky over green ground
    sky = torch.zeros(1, 48, 64, dtype=torch.bool)
    sky[:, :20] = True
    rgb = torch.where(sky, torch.tensor([0.3, 0.5, 0.9]).view(3, 1, 1), torch.tensor([0.2, 0.5, 0.1]).view(3, 1, 1))
    return rgb, sky


def test_clouds_cover_sky_pixels_only_and_are_bright():
    rgb, sky = _view()
    changed_views = 0
    for seed in range(20):
        out = paste_clouds(rgb, sky, random.Random(seed))
        assert out.shape == rgb.shape and float(out.min()) >= 0 and float(out.max()) <= 1
        assert torch.equal(out[:, ~sky[0]], rgb[:, ~sky[0]])  # the ground is untouched
        rise = out[0] - rgb[0]  # [H, W] the sky's red (0.3) rises only under a cloud
        if float(rise.max()) > 0.2:
            changed_views += 1
            core = out.flatten(1)[:, int(rise.argmax())]  # the cloud's most opaque pixel
            assert float(core.max() - core.min()) < 0.3 and float(core.mean()) > 0.65  # whitish (the sky: 0.6, 0.57)
    assert changed_views >= 15


def test_clouds_are_lit_from_above():
    rgb, sky = _view()
    sky[:] = True  # all sky, so whole clouds show
    rgb = torch.where(sky, torch.tensor([0.3, 0.5, 0.9]).view(3, 1, 1), rgb)
    tops, bottoms = [], []
    for seed in range(30):
        out = paste_clouds(rgb, sky, random.Random(seed))
        opaque = (out[0] - rgb[0]) > 0.4  # red rises from 0.3 only under a cloud
        rows = opaque.any(dim=1).nonzero()[:, 0]
        if rows.numel() < 6:
            continue
        top, bottom = rows[: rows.numel() // 3], rows[-(rows.numel() // 3):]
        tops.append(float(out[:, top][:, opaque[top]].mean()))
        bottoms.append(float(out[:, bottom][:, opaque[bottom]].mean()))
    assert len(tops) >= 10
    assert sum(tops) / len(tops) > sum(bottoms) / len(bottoms)


def test_a_view_without_sky_is_left_as_it_is():
    rgb, sky = _view()
    assert torch.equal(paste_clouds(rgb, torch.zeros_like(sky), random.Random(0)), rgb)


def test_batches_paint_only_the_sky(tiny_worlds):
    samples = prepare_collection(tiny_worlds, progress=False)
    plain = StepBatches(samples, resolution=32, batch_size=6, seed=3).batch(7)
    cloudy = StepBatches(samples, resolution=32, batch_size=6, seed=3, clouds=1.0).batch(7)
    ground = ~plain["sky"].expand_as(plain["rgb"])
    assert torch.equal(cloudy["rgb"][ground], plain["rgb"][ground])
    assert not torch.equal(cloudy["rgb"], plain["rgb"])
