"""Flat water seen from a new angle (render/water_shading.py)."""

import math

import torch

from infinite_nature.geometry import intrinsics_from_fov
from infinite_nature.render.water_shading import find_water, reshade


def _lake(size: int = 64, height: float = 1.0):
    """A level camera over a lake ``height`` below it: disparity of the plane below the horizon,
    sky above; the water's colour darkens with the ray's angle below the horizon."""
    intrinsics = intrinsics_from_fov(60.0, size, size)
    rows = torch.arange(size, dtype=torch.float32).view(1, 1, size, 1).expand(1, 1, size, size)
    slope = (rows - intrinsics[0, 1, 2]) / intrinsics[0, 1, 1]  # y / z of each pixel's ray
    sky = slope <= 0.02
    disparity = torch.where(sky, torch.full_like(slope, 0.01), slope / height)  # depth z = height / slope
    columns = torch.arange(size, dtype=torch.float32).view(1, 1, 1, size)
    ray_length = torch.sqrt(1 + slope**2 + ((columns - intrinsics[0, 0, 2]) / intrinsics[0, 0, 0]) ** 2)
    sine = slope / ray_length  # sine of the angle between ray and water
    rgb = torch.cat([0.8 - sine, 0.8 - sine, 0.9 - sine], dim=1).clamp(0, 1)
    return rgb, disparity, sky, intrinsics


def test_a_lake_is_found_with_its_colour_by_angle_and_bumpy_ground_is_not():
    rgb, disparity, sky, intrinsics = _lake()
    plane = find_water(rgb, disparity, sky, intrinsics)
    assert plane is not None and abs(abs(float(plane.normal[1])) - 1.0) < 1e-3
    assert bool((plane.sines[1:] > plane.sines[:-1]).all())
    expected = 0.8 - plane.sines  # the red channel falls with the angle as it was drawn
    torch.testing.assert_close(plane.colours[:, 0], expected, atol=0.02, rtol=0)
    bumps = disparity * (1 + 0.05 * torch.sin(torch.arange(64.0) * 0.7).view(1, 1, 1, 64))
    assert find_water(rgb, bumps, sky, intrinsics) is None  # the network's maps of photos are never flat


def test_water_seen_from_higher_up_takes_the_colour_of_the_steeper_angle():
    rgb, disparity, sky, intrinsics = _lake()
    plane = find_water(rgb, disparity, sky, intrinsics)
    water = ~sky
    here = torch.eye(4, dtype=torch.float64)
    unchanged = reshade(rgb, water, plane.view(intrinsics, here, 64, 64), here[:3, 3], plane)
    torch.testing.assert_close(unchanged, rgb)  # seen from where it was seen: the same
    higher = here.clone()
    higher[1, 3] = -1.0  # twice as high above the water (y points down)
    source_far = torch.tensor([0.0, 0.0, -50.0], dtype=torch.float64)  # the colours were seen from far behind
    moved = reshade(rgb, water, plane.view(intrinsics, higher, 64, 64), source_far, plane)
    assert float(moved[0, 0][water[0, 0]].mean()) < float(rgb[0, 0][water[0, 0]].mean()) - 0.02  # darker from above
    torch.testing.assert_close(moved[sky.expand_as(rgb)], rgb[sky.expand_as(rgb)])  # the sky is not water
    assert math.isfinite(float(moved.sum()))
