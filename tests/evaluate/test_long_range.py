"""Long-range evaluation: the world's own view at a flown pose (evaluate/long_range.py)."""

import torch

from infinite_nature.evaluate.long_range import world_view_at
from infinite_nature.geometry.camera import Camera
from infinite_nature.world import World


def test_the_world_view_at_a_flown_pose_is_the_camera_moved_in_metres():
    world = World(5003)
    start = world.sample_camera(32, 32)
    view = world.render(start)
    at = world_view_at(world, start, view.scale)
    torch.testing.assert_close(at(torch.eye(4, dtype=torch.float64)), view.rgb)  # the first frame is the start view
    forward = torch.eye(4, dtype=torch.float64)
    forward[2, 3] = 0.5  # half a scene unit along the camera's view axis
    moved = start.pose.double().clone()
    moved[:3, 3] += moved[:3, 2] * (0.5 / view.scale)  # the same, in metres
    expected = world.render(Camera(start.intrinsics, moved.to(start.pose.dtype), 32, 32)).rgb
    torch.testing.assert_close(at(forward), expected)
    assert not torch.allclose(expected, view.rgb, atol=1e-3)  # the move shows
