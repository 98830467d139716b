"""Haze between the camera and the ground (render/aerial_perspective.py)."""

import math

import pytest
import torch

from infinite_nature.geometry.intrinsics import intrinsics_from_fov
from infinite_nature.render.aerial_perspective import (
    MAX_CLEARING,
    AerialPerspective,
    distances_from,
    ray_distance,
)

AIR = torch.tensor([0.7, 0.6, 0.5])


def _hazy_valley(density: float = 0.03, size: int = 64, far: float = 80.0):
    """Sky over ground whose distance grows from 2 units at the bottom row to ``far`` at the
    horizon (row 20); the ground's own colours are random, seen through ``density``'s haze."""
    generator = torch.Generator().manual_seed(0)
    intrinsics = intrinsics_from_fov(60.0, size, size)
    rows = torch.arange(size, dtype=torch.float32).view(1, 1, size, 1).expand(1, 1, size, size)
    sky = rows < 20
    depth = torch.exp(math.log(far) + (rows - 20) / (size - 1 - 20) * math.log(2.0 / far))  # z
    disparity = torch.where(sky, 0.01, 1.0 / depth)
    surface = 0.15 + 0.2 * torch.rand(1, 3, size, size, generator=generator)
    transmittance = torch.exp(-density * ray_distance(disparity, intrinsics))
    rgb = surface * transmittance + AIR.view(1, 3, 1, 1) * (1 - transmittance)
    rgb = torch.where(sky, AIR.view(1, 3, 1, 1) + 0.1 * (20 - rows) / 20, rgb)  # bluer overhead, the airlight below
    return rgb, disparity, sky, intrinsics


def test_the_haze_of_a_view_is_found_from_its_ground_and_the_sky_above_it():
    rgb, disparity, sky, intrinsics = _hazy_valley(density=0.03)
    haze = AerialPerspective.fit(rgb, disparity, sky, intrinsics)
    torch.testing.assert_close(haze.airlight, AIR, atol=0.02, rtol=0)
    assert haze.density == pytest.approx(0.03, rel=0.1)


def test_no_haze_is_modelled_without_a_horizon_without_ground_or_where_colour_ignores_distance():
    rgb, disparity, sky, intrinsics = _hazy_valley()
    no_sky = torch.zeros_like(sky)
    assert AerialPerspective.fit(rgb, disparity, no_sky, intrinsics) is None  # a forest floor: no airlight to read
    assert AerialPerspective.fit(rgb, disparity, torch.ones_like(sky), intrinsics) is None  # all sky
    noise = torch.where(sky, rgb, torch.rand(rgb.shape, generator=torch.Generator().manual_seed(1)))
    assert AerialPerspective.fit(noise, disparity, sky, intrinsics) is None
    close_up = _hazy_valley(density=0.1, far=10.0)
    assert AerialPerspective.fit(*close_up) is None  # ground from 2 to 10 units: colour by material, not haze
    clear_day = _hazy_valley(density=1e-4)
    assert AerialPerspective.fit(*clear_day) is None  # too little haze to matter
    water = ~sky  # everything below the horizon excluded, as a lake is: nothing to fit
    assert AerialPerspective.fit(rgb, disparity, sky, intrinsics, exclude=water) is None


def test_ground_seen_nearer_clears_and_ground_seen_farther_fades_into_the_airlight():
    haze = AerialPerspective(AIR, 0.05)
    rgb = torch.tensor([0.5, 0.45, 0.4]).view(1, 3, 1, 1).expand(1, 3, 1, 3).clone()
    share = torch.ones(1, 1, 1, 3)
    seen_from = torch.tensor([20.0, 20.0, 20.0]).view(1, 1, 1, 3)
    seen_at = torch.tensor([10.0, 20.0, 40.0]).view(1, 1, 1, 3)
    cleared = haze.clear(rgb, share, seen_from, seen_at)
    difference, was = cleared - AIR.view(1, 3, 1, 1), rgb - AIR.view(1, 3, 1, 1)
    torch.testing.assert_close(difference[..., 0], was[..., 0] * math.exp(0.05 * 10))  # nearer: less haze
    torch.testing.assert_close(cleared[..., 1], rgb[..., 1])  # as far as it was seen from: as it was
    torch.testing.assert_close(difference[..., 2], was[..., 2] * math.exp(-0.05 * 20))  # farther: more
    back = haze.clear(cleared, share, seen_at, seen_from)
    torch.testing.assert_close(back, rgb)  # flown there and back, as it was
    untouched = haze.clear(rgb, torch.zeros_like(share), seen_from, seen_at)
    torch.testing.assert_close(untouched, rgb)  # sky and water are not this haze's


def test_ground_seen_through_nearly_all_haze_is_cleared_only_so_far():
    haze = AerialPerspective(AIR, 0.05)
    rgb = torch.tensor([0.65, 0.55, 0.45]).view(1, 3, 1, 1)
    cleared = haze.clear(rgb, torch.ones(1, 1, 1, 1), torch.full((1, 1, 1, 1), 100.0), torch.ones(1, 1, 1, 1))
    torch.testing.assert_close(cleared - AIR.view(1, 3, 1, 1), (rgb - AIR.view(1, 3, 1, 1)) * MAX_CLEARING)


def test_distances_are_measured_from_each_camera_to_the_surface_point():
    intrinsics = intrinsics_from_fov(90.0, 3, 3)
    disparity = torch.full((1, 1, 3, 3), 0.1)  # a wall 10 units ahead
    transform = torch.eye(4)[None].clone()
    transform[0, 2, 3] = -4.0  # the source camera sat 4 units behind this one: x_here = x_source - 4 along z
    seen_from, seen_at = distances_from(disparity, intrinsics, transform)
    centre = (slice(None), slice(None), 1, 1)
    assert float(seen_at[centre]) == pytest.approx(10.0)
    assert float(seen_from[centre]) == pytest.approx(14.0)
    assert bool((seen_at[..., 0, 0] > 10.0).all())  # corner rays are longer
    torch.testing.assert_close(seen_at, ray_distance(disparity, intrinsics))
