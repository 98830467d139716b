"""Flat water seen from a new angle (render/water_shading.py)."""

import math

import torch

from infinite_nature.render.water_shading import find_glints, find_water, fresnel_reflectance, reshade

from tests.render.scenes import glint_centre, lake


def test_a_lake_is_found_with_its_colour_by_angle_and_bumpy_ground_is_not():
    rgb, disparity, sky, intrinsics = lake()
    plane, water = find_water(rgb, disparity, sky, intrinsics)
    assert abs(abs(float(plane.normal[1])) - 1.0) < 1e-3
    assert torch.equal(water, ~sky)  # every pixel below the horizon lies on it
    assert bool((plane.sines[1:] > plane.sines[:-1]).all())
    expected = 0.8 - plane.sines  # the red channel falls with the angle as it was drawn
    torch.testing.assert_close(plane.colours[:, 0], expected, atol=0.02, rtol=0)
    bumps = disparity * (1 + 0.05 * torch.sin(torch.arange(64.0) * 0.7).view(1, 1, 1, 64))
    assert find_water(rgb, bumps, sky, intrinsics) is None  # the network's maps of photos are never flat


def test_water_seen_from_higher_up_takes_the_colour_of_the_steeper_angle():
    rgb, disparity, sky, intrinsics = lake()
    plane, water = find_water(rgb, disparity, sky, intrinsics)
    here = torch.eye(4, dtype=torch.float64)
    unchanged = reshade(rgb, water, plane.view(intrinsics, here, 64, 64), here[:3, 3], plane)
    torch.testing.assert_close(unchanged, rgb)  # seen from where it was seen: the same
    higher = here.clone()
    higher[1, 3] = -1.0  # twice as high above the water (y points down)
    source_far = torch.tensor([0.0, 0.0, -50.0], dtype=torch.float64)  # the colours were seen from far behind
    moved = reshade(rgb, water, plane.view(intrinsics, higher, 64, 64), source_far, plane)
    assert float(moved[0, 0][water[0, 0]].mean()) < float(rgb[0, 0][water[0, 0]].mean()) - 0.02  # darker from above
    torch.testing.assert_close(moved[sky.expand_as(rgb)], rgb[sky.expand_as(rgb)])  # the sky is not water
    half = reshade(rgb, water * 0.5, plane.view(intrinsics, higher, 64, 64), source_far, plane)
    unclipped = (moved > 0) & (moved < 1)
    torch.testing.assert_close((half - rgb)[unclipped], ((moved - rgb) * 0.5)[unclipped])  # half water (a shore's): half as far
    assert math.isfinite(float(moved.sum()))


def test_a_reflection_on_the_water_fades_as_the_water_mirrors_less_and_never_turns_black():
    rgb, disparity, sky, intrinsics = lake()
    plane, water = find_water(rgb, disparity, sky, intrinsics)
    reflected = rgb.clone()
    reflected[..., 40:44, 20:40] -= 0.5  # an island's dark mirror image
    higher = torch.eye(4, dtype=torch.float64)
    higher[1, 3] = -1.0
    source_far = torch.tensor([0.0, 0.0, -50.0], dtype=torch.float64)
    seen = plane.view(intrinsics, higher, 64, 64)
    water_only = reshade(rgb, water, seen, source_far, plane)
    with_reflection = reshade(reflected, water, seen, source_far, plane)
    darker = (water_only - with_reflection)[..., 40:44, 20:40]
    mirrored = fresnel_reflectance(plane.sine(seen.points, seen.camera)) / fresnel_reflectance(
        plane.sine(seen.points, source_far.to(seen.points)))
    assert float(mirrored[..., 40:44, 20:40].max()) < 0.9  # seen more steeply, the water mirrors less
    torch.testing.assert_close(darker, (0.5 * mirrored[..., 40:44, 20:40]).expand_as(darker).to(darker))
    assert float(with_reflection[..., 40:44, 20:40].min()) > 0.05  # still darker than the water, not black
    ends = fresnel_reflectance(torch.tensor([1.0, 0.0], dtype=torch.float64))  # straight down, grazing
    torch.testing.assert_close(ends, torch.tensor([0.02, 1.0], dtype=torch.float64))


def test_a_small_bright_highlight_on_water_is_a_glint_that_stays_in_its_direction():
    rgb, disparity, sky, intrinsics = lake()
    water = ~sky
    assert find_glints(rgb, water, intrinsics)[1] is None  # the lake's own colours have none
    shown = rgb.clone()
    shown[..., 44:47, 30:32] += 0.3  # the sun's mirror image
    shown[..., 50:52, 4:60] += 0.3  # a wide bright band: the colour by angle's, not a glint
    clean, glints = find_glints(shown, water, intrinsics)
    layer = glints.seen_from(intrinsics, torch.eye(3), 64, 64)  # from where the first frame was seen
    found = layer.sum(dim=1)[0] > 0
    assert bool(found[44:47, 30:32].all()) and not bool(found[50:52, 10:54].any())
    torch.testing.assert_close(clean + layer, shown)  # nothing lost
    assert float((clean - rgb)[..., 44:47, 30:32].abs().max()) < 0.02  # taken off the water
    angle = math.atan(5 / float(intrinsics[0, 0, 0]))  # turned 5 px' worth to the right
    turn = torch.tensor([[math.cos(angle), 0, math.sin(angle)], [0, 1, 0], [-math.sin(angle), 0, math.cos(angle)]])
    before, after = glint_centre(layer), glint_centre(glints.seen_from(intrinsics, turn, 64, 64))
    assert abs(abs(before[0] - after[0]) - 5) < 0.5 and abs(before[1] - after[1]) < 0.5
