"""Held-out start views are rendered once per process and are the world's own render."""

import torch

from infinite_nature.evaluate.start_views import start_view
from infinite_nature.world import World


def test_a_start_view_is_rendered_once_and_is_the_worlds_render():
    start_view.cache_clear()
    first = start_view(5001, 32)
    assert start_view(5001, 32) is first and start_view.cache_info().misses == 1
    world = World(5001)
    fresh = world.render(world.sample_camera(32, 32))
    assert torch.equal(first.rgb, fresh.rgb) and torch.equal(first.disparity, fresh.disparity)
    assert start_view(5001, 48).rgb.shape[-1] == 48  # another size is another view
