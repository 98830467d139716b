"""The sky generator's held-out measure: L1 to the world's own dome where the view showed no sky."""

from __future__ import annotations

import pytest
import torch

from infinite_nature.evaluate.sky import evaluate_sky_generator
from infinite_nature.models import SkyGenerator, SkyGeneratorConfig
from infinite_nature.render.sky_dome import CARRY_FADE_DEGREES, carry_round_dome, view_to_panorama
from infinite_nature.world import World

SEEDS = (5000, 5001)


def _carried_sky_error(seed: int, config: SkyGeneratorConfig) -> float:
    """The measure worked out by hand for the visible sky carried round the dome."""
    world = World(seed)
    view = world.render(world.sample_camera(64, 64))
    partial, known = view_to_panorama(view.rgb, view.sky, view.camera.intrinsics[None].float(),
                                      view.camera.pose[None, :3, :3].float(), config.pano_height, config.pano_width,
                                      config.min_elevation)
    carried = carry_round_dome(partial, known > 0.5, CARRY_FADE_DEGREES)
    truth = world.sky_dome(config.pano_height, config.pano_width, config.min_elevation)
    unseen = known < 0.5
    return float((carried - truth).abs().permute(1, 0, 2, 3)[:, unseen[:, 0]].mean())


def test_an_untrained_carried_base_generator_scores_the_carried_sky_on_the_unseen_dome():
    config = SkyGeneratorConfig(pano_height=32, pano_width=128, channels=(8, 8), carried_base=True)
    report = evaluate_sky_generator(SkyGenerator(config).eval(), SEEDS, size=64)
    assert list(report["unseen_sky_l1_by_seed"]) == [str(s) for s in SEEDS] and report["views"] == 2
    for seed in SEEDS:
        assert report["unseen_sky_l1_by_seed"][str(seed)] == pytest.approx(_carried_sky_error(seed, config), abs=1e-4)
    assert report["unseen_sky_l1"] == pytest.approx(sum(report["unseen_sky_l1_by_seed"].values()) / 2)


def test_a_dome_of_one_grey_scores_worse_than_the_carried_sky():
    config = SkyGeneratorConfig(pano_height=32, pano_width=128, channels=(8, 8))
    grey = SkyGenerator(config).eval()
    with torch.no_grad():  # the last layer says nothing: the dome is mid grey whatever it is shown
        grey.to_rgb.weight.zero_()
        grey.to_rgb.bias.zero_()
    carried = SkyGenerator(SkyGeneratorConfig(pano_height=32, pano_width=128, channels=(8, 8), carried_base=True)).eval()
    assert (evaluate_sky_generator(grey, SEEDS, size=64)["unseen_sky_l1"]
            > evaluate_sky_generator(carried, SEEDS, size=64)["unseen_sky_l1"])
