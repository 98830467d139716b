import math

import pytest
import torch
from kornia.geometry.linalg import inverse_transformation
from torch.autograd import gradcheck

from infinite_nature.geometry import interpolate_pose, look_at, look_direction, relative_pose, transform_points


def _random_pose(dtype=torch.float64) -> torch.Tensor:
    position = torch.randn(1, 3, dtype=dtype)
    return look_at(position, position + torch.randn(1, 3, dtype=dtype))


def test_identity_camera_is_world_frame():
    pose = look_direction(torch.zeros(1, 3), torch.tensor([[0.0, 0.0, 1.0]]))
    torch.testing.assert_close(pose, torch.eye(4)[None])


def test_look_direction_axes_are_opencv():
    """Looking east (+x): image right is south (-z), image down is world down (+y)."""
    pose = look_direction(torch.tensor([[1.0, -2.0, 3.0]]), torch.tensor([[5.0, 0.0, 0.0]]))
    torch.testing.assert_close(pose[0, :3, 0], torch.tensor([0.0, 0.0, -1.0]))
    torch.testing.assert_close(pose[0, :3, 1], torch.tensor([0.0, 1.0, 0.0]))
    torch.testing.assert_close(pose[0, :3, 2], torch.tensor([1.0, 0.0, 0.0]))
    torch.testing.assert_close(pose[0, :3, 3], torch.tensor([1.0, -2.0, 3.0]))


def test_look_at_target_projects_to_image_centre():
    pose = look_at(torch.tensor([[0.0, -5.0, 0.0]]), torch.tensor([[3.0, -1.0, 7.0]]))
    world = torch.tensor([[[3.0, -1.0, 7.0]]])
    in_camera = transform_points(inverse_transformation(pose), world)
    assert in_camera[0, 0, 0].abs().item() < 1e-5 and in_camera[0, 0, 1].abs().item() < 1e-5
    assert in_camera[0, 0, 2].item() > 0
    rotation = pose[0, :3, :3]
    torch.testing.assert_close(rotation @ rotation.T, torch.eye(3), atol=1e-6, rtol=0)
    assert torch.linalg.det(rotation).item() == pytest.approx(1.0, abs=1e-6)


def test_look_straight_up_is_rejected():
    with pytest.raises(ValueError, match="parallel"):
        look_direction(torch.zeros(1, 3), torch.tensor([[0.0, -1.0, 0.0]]))


def test_relative_pose_maps_source_points_to_target():
    source, target = _random_pose(), _random_pose()
    relative = relative_pose(source, target)
    points = torch.randn(1, 5, 3, dtype=torch.float64)
    world = transform_points(source, points)
    expected = transform_points(inverse_transformation(target), world)
    torch.testing.assert_close(transform_points(relative, points), expected)
    torch.testing.assert_close(relative_pose(source, source), torch.eye(4, dtype=torch.float64)[None])


def test_interpolate_pose_end_points_and_midpoint():
    a = look_direction(torch.zeros(1, 3, dtype=torch.float64), torch.tensor([[0.0, 0.0, 1.0]], dtype=torch.float64))
    b = look_direction(
        torch.tensor([[2.0, 0.0, 4.0]], dtype=torch.float64), torch.tensor([[1.0, 0.0, 0.0]], dtype=torch.float64)
    )
    torch.testing.assert_close(interpolate_pose(a, b, 0.0), a)
    torch.testing.assert_close(interpolate_pose(a, b, 1.0), b)
    middle = interpolate_pose(a, b, 0.5)
    torch.testing.assert_close(middle[0, :3, 3], torch.tensor([1.0, 0.0, 2.0], dtype=torch.float64))
    forward = middle[0, :3, 2]
    half = math.sqrt(0.5)
    torch.testing.assert_close(forward, torch.tensor([half, 0.0, half], dtype=torch.float64))


def test_gradcheck_relative_pose_and_interpolation():
    source, target = _random_pose().requires_grad_(True), _random_pose().requires_grad_(True)
    assert gradcheck(relative_pose, (source, target))
    b = _random_pose()
    assert gradcheck(lambda p: interpolate_pose(p, b, 0.3), (source,))
