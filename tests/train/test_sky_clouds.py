"""Clouds painted into training views' sky: where they go (sky only), what they look like
(bright, shaded), what does not change (targets, reproducibility), and the recipe flag."""

import random

import pytest
import torch

from infinite_nature.cli import main
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


def test_batches_paint_only_the_input_and_stay_reproducible(tiny_worlds):
    samples = prepare_collection(tiny_worlds, progress=False)
    plain = StepBatches(samples, resolution=32, batch_size=6, seed=3).batch(7)
    cloudy_batches = StepBatches(samples, resolution=32, batch_size=6, seed=3, clouds=1.0)
    cloudy = cloudy_batches.batch(7)
    assert torch.equal(cloudy["rgb"], cloudy_batches.batch(7)["rgb"])
    for key in ("disparity", "sky", "world_seed", "intrinsics"):
        assert torch.equal(cloudy[key], plain[key]), key
    ground = ~plain["sky"].expand_as(plain["rgb"])
    assert torch.equal(cloudy["rgb"][ground], plain["rgb"][ground])
    assert not torch.allclose(cloudy["rgb"], plain["rgb"], atol=0.05)


def test_depth_recipe_trains_with_clouds(tiny_worlds, tmp_path, capsys):
    code = main(["train", "depth", "--worlds", str(tiny_worlds), "--out", str(tmp_path), "--fast-dev-run",
                 "--batch-size", "2", "--resolution", "32", "--clouds", "0.5", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "export" / "depth_sky.safetensors").is_file()


@pytest.mark.parametrize("value", ["-0.1", "1.5"])
def test_a_cloud_share_outside_zero_to_one_is_refused(tiny_worlds, tmp_path, capsys, value):
    code = main(["train", "depth", "--worlds", str(tiny_worlds), "--out", str(tmp_path), "--fast-dev-run",
                 "--clouds", value, "--no-progress"])
    assert code != 0
    assert "--clouds must be within [0, 1]" in capsys.readouterr().err
