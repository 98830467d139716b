"""Held-out start views and sky domes are rendered once per process and are the world's own."""

import torch

from infinite_nature.evaluate.start_views import start_view, true_sky_dome
from infinite_nature.world import World


def test_a_start_view_is_rendered_once_and_is_the_worlds_render():
    start_view.cache_clear()
    first = start_view(5001, 32)
    assert start_view(5001, 32) is first and start_view.cache_info().misses == 1
    world = World(5001)
    fresh = world.render(world.sample_camera(32, 32))
    assert torch.equal(first.rgb, fresh.rgb) and torch.equal(first.disparity, fresh.disparity)
    assert start_view(5001, 48).rgb.shape[-1] == 48  # another size is another view


def test_a_true_sky_dome_is_computed_once_and_is_the_worlds_dome():
    true_sky_dome.cache_clear()
    first = true_sky_dome(5001, 16, 64, -15.0)
    assert true_sky_dome(5001, 16, 64, -15.0) is first and true_sky_dome.cache_info().misses == 1
    assert torch.equal(first, World(5001).sky_dome(16, 64, -15.0))
