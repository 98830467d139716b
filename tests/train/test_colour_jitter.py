"""Colour jitter of training views: what changes (the input's colours), what does not (targets,
reproducibility), and the recipe flag."""

import math
import random

import kornia
import pytest
import torch

from infinite_nature.cli import main
from infinite_nature.train.colour_jitter import jitter_colours
from infinite_nature.train.data import StepBatches, prepare_collection


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


def test_batches_jitter_only_the_input_and_stay_reproducible(tiny_worlds):
    samples = prepare_collection(tiny_worlds, progress=False)
    plain = StepBatches(samples, resolution=32, batch_size=6, seed=3).batch(7)
    jittered_batches = StepBatches(samples, resolution=32, batch_size=6, seed=3, colour_jitter=1.0)
    jittered = jittered_batches.batch(7)
    assert torch.equal(jittered["rgb"], jittered_batches.batch(7)["rgb"])
    for key in ("disparity", "sky", "world_seed", "intrinsics"):
        assert torch.equal(jittered[key], plain[key]), key
    assert not torch.allclose(jittered["rgb"], plain["rgb"], atol=0.05)


def test_depth_recipe_trains_with_colour_jitter(tiny_worlds, tmp_path, capsys):
    code = main(["train", "depth", "--worlds", str(tiny_worlds), "--out", str(tmp_path), "--fast-dev-run",
                 "--batch-size", "2", "--resolution", "32", "--colour-jitter", "0.7", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "export" / "depth_sky.safetensors").is_file()


@pytest.mark.parametrize("value", ["-0.1", "1.5"])
def test_colour_jitter_outside_zero_to_one_is_refused(tiny_worlds, tmp_path, capsys, value):
    code = main(["train", "depth", "--worlds", str(tiny_worlds), "--out", str(tmp_path), "--fast-dev-run",
                 "--colour-jitter", value, "--no-progress"])
    assert code != 0
    assert "--colour-jitter must be within [0, 1]" in capsys.readouterr().err
