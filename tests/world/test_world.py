"""Procedural worlds: determinism, geometry that agrees across views, sky, cameras, variety."""

import numpy as np
import pytest
import torch

from infinite_nature.geometry import project, relative_pose, transform_points, unproject
from infinite_nature.world import World, WorldParams
from infinite_nature.world.params import TIMES_OF_DAY
from infinite_nature.world.world import MIN_CLEARANCE, START_SKY_FRACTION


@pytest.fixture(scope="module")
def world() -> World:
    return World(7)


@pytest.fixture(scope="module")
def start(world):
    return world.sample_camera(96, 128)


def test_same_seed_same_pixels(start):
    a = World(7).render(start)
    b = World(7).render(start)
    assert torch.equal(a.rgb, b.rgb) and torch.equal(a.depth, b.depth)


def test_outputs_have_documented_shapes_and_ranges(world, start):
    view = world.render(start)
    assert view.rgb.shape == (1, 3, 96, 128) and view.rgb.dtype == torch.float32
    assert 0.0 <= view.rgb.min() and view.rgb.max() <= 1.0
    assert view.depth.shape == view.sky.shape == view.disparity.shape == (1, 1, 96, 128)
    assert view.rgb_uint8().shape == (96, 128, 3) and view.rgb_uint8().dtype == np.uint8
    assert 0.01 <= view.disparity.min() and view.disparity.max() <= 1.0
    assert view.scale > 0


def test_sky_mask_is_exactly_infinite_depth(world, start):
    view = world.render(start)
    assert torch.equal(view.sky, torch.isinf(view.depth))
    assert torch.isfinite(view.depth[~view.sky]).all() and (view.depth[~view.sky] > 0).all()
    assert (view.disparity[view.sky] == 0.01).all()
    # disparity is scale-only: 1 / (depth * scale) where not clipped
    ground = ~view.sky & (view.disparity > 0.011) & (view.disparity < 0.999)
    torch.testing.assert_close(view.disparity[ground], 1.0 / (view.depth[ground] * view.scale), rtol=1e-4, atol=0)


def test_depth_agrees_between_two_views(world, start):
    """Unproject view A, move the points into view B: where B sees them, B's depth matches."""
    second = world.trajectory(start, 2, step_length=6.0, turn_degrees=4.0)[-1]
    a, b = world.render(start), world.render(second)
    k = start.intrinsics[None].float()
    points = unproject(a.depth.clamp(max=1e6), k).reshape(1, -1, 3)[:, (~a.sky).reshape(-1)]
    transform = relative_pose(start.pose[None].float(), second.pose[None].float())
    uv, z = project(transform_points(transform, points), k)
    u, v = uv[0, :, 0].round().long(), uv[0, :, 1].round().long()
    inside = (z[0] > 0) & (u >= 0) & (u < 128) & (v >= 0) & (v < 96)
    depth_b = b.depth[0, 0, v[inside], u[inside]]
    projected = z[0, inside]
    assert inside.float().mean() > 0.5
    # B cannot see farther than a surface that is in front of it (allow pixel-edge effects)
    see_through = (depth_b > projected * 1.03).float().mean()
    assert see_through < 0.03, f"{see_through:.3f} of points are seen through"
    visible = depth_b > projected * 0.97
    relative = ((depth_b - projected).abs() / projected)[visible]
    assert visible.float().mean() > 0.7
    # nearest-pixel lookup alone costs up to a few % on grazing ground
    assert relative.median() < 0.01 and (relative < 0.03).float().mean() > 0.9


def test_start_cameras_see_a_horizon_and_are_above_ground():
    for seed in (1, 2, 3, 11, 12):
        world = World(seed)
        camera = world.sample_camera(48, 64)
        view = world.render(camera)
        sky_fraction = view.sky.float().mean().item()
        assert START_SKY_FRACTION[0] * 0.5 < sky_fraction < min(1.0, START_SKY_FRACTION[1] * 1.3)
        top_row_sky = view.sky[0, 0, 0].float().mean()
        bottom_row_ground = (~view.sky[0, 0, -1]).float().mean()
        assert top_row_sky > 0.5 and bottom_row_ground > 0.9  # sky above, ground below: a horizon
        x, y, z = camera.position.tolist()
        assert -y >= world.surface_height(x, z) + MIN_CLEARANCE - 1e-3


def test_trajectories_never_go_below_the_surface(world, start):
    path = world.trajectory(start, 60, step_length=15.0, turn_degrees=3.0)
    assert len(path) == 61
    for camera in path:
        x, y, z = camera.position.tolist()
        assert -y >= world.surface_height(x, z) + MIN_CLEARANCE - 1e-3
    moved = (path[-1].position - path[0].position).norm().item()
    assert moved > 300.0


def test_different_seeds_look_different():
    views = []
    for seed in range(6):
        world = World(seed)
        views.append(world.render(world.sample_camera(48, 64)))
    means = torch.stack([v.rgb.mean(dim=(2, 3))[0] for v in views])  # [6, 3]
    for i in range(6):
        for j in range(i + 1, 6):
            colour_gap = (means[i] - means[j]).abs().max().item()
            structure_gap = (views[i].sky != views[j].sky).float().mean().item()
            assert colour_gap > 0.01 or structure_gap > 0.05, (i, j)


def test_seed_sampling_covers_the_documented_ranges():
    samples = [WorldParams.sample(seed) for seed in range(300)]
    assert {s.time_of_day for s in samples} == set(TIMES_OF_DAY)
    heights = [s.mountain_height for s in samples]
    assert min(heights) >= 120 and max(heights) <= 900 and np.std(heights) > 100


def test_bad_seed_and_parameters_are_rejected():
    with pytest.raises(ValueError, match="seed"):
        World(-1)
    with pytest.raises(ValueError, match="seed"):
        World("7")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown world parameter"):
        World(1, mountain_hieght=3.0)
    with pytest.raises(ValueError, match="time_of_day"):
        World(1, time_of_day="noon")
    assert World(1, time_of_day="dusk").params.time_of_day == "dusk"


def test_documented_parameter_ranges_match_the_code():
    import dataclasses
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "worlds.md").read_text()
    for f in dataclasses.fields(WorldParams):
        if "range" in f.metadata:
            low, high = f.metadata["range"]
            assert f"| `{f.name}` | {low:g} – {high:g}" in doc, f.name
