import math

import pytest
import torch
from kornia.geometry.camera import PinholeCamera

from infinite_nature.geometry import crop_intrinsics, intrinsics_from_fov, resize_intrinsics, project
from infinite_nature.geometry.intrinsics import horizontal_fov_degrees


def test_fov_gives_focal_and_centre(device, dtype):
    k = intrinsics_from_fov(90.0, 100, 200, batch_size=2, dtype=dtype, device=device)
    assert k.shape == (2, 3, 3) and k.dtype == dtype and k.device.type == device.type
    assert k[0, 0, 0].item() == pytest.approx(100.0)  # (W / 2) / tan(45 deg)
    assert k[0, 1, 1].item() == pytest.approx(100.0)
    assert k[0, 0, 2].item() == pytest.approx(99.5)
    assert k[0, 1, 2].item() == pytest.approx(49.5)
    assert horizontal_fov_degrees(k, 200)[0].item() == pytest.approx(90.0, abs=1e-4)


@pytest.mark.parametrize("fov", [0.0, -5.0, 180.0, 200.0])
def test_bad_fov_is_rejected(fov):
    with pytest.raises(ValueError, match="fov_degrees"):
        intrinsics_from_fov(fov, 10, 10)


def test_bad_size_is_rejected():
    with pytest.raises(ValueError, match="size"):
        intrinsics_from_fov(60.0, 0, 10)


def test_resize_keeps_the_same_rays():
    """A pixel edge maps to the same ray before and after a resize."""
    k = intrinsics_from_fov(60.0, 64, 96, dtype=torch.float64)
    half = resize_intrinsics(k, 0.5, 0.5)
    # the left image edge (u = -0.5) stays the left edge after resizing
    x_before = (-0.5 - k[0, 0, 2]) / k[0, 0, 0]
    x_after = (-0.5 - half[0, 0, 2]) / half[0, 0, 0]
    assert x_after.item() == pytest.approx(x_before.item())
    assert half[0, 0, 2].item() == pytest.approx((48 - 1) / 2)


def test_crop_moves_principal_point():
    k = intrinsics_from_fov(60.0, 64, 64)
    cropped = crop_intrinsics(k, top=10, left=4)
    assert cropped[0, 0, 2].item() == pytest.approx(k[0, 0, 2].item() - 4)
    assert cropped[0, 1, 2].item() == pytest.approx(k[0, 1, 2].item() - 10)
    assert cropped[0, 0, 0].item() == k[0, 0, 0].item()


def test_agrees_with_kornia_pinhole_camera():
    """Our intrinsics project like kornia's PinholeCamera with the same matrix."""
    k = intrinsics_from_fov(50.0, 48, 64, dtype=torch.float64)
    k4 = torch.eye(4, dtype=torch.float64)[None]
    k4[:, :3, :3] = k
    camera = PinholeCamera(
        k4, torch.eye(4, dtype=torch.float64)[None], torch.tensor([48.0]), torch.tensor([64.0])
    )
    points = torch.tensor([[[0.3, -0.2, 2.0], [1.0, 0.5, 4.0]]], dtype=torch.float64)
    ours, _ = project(points, k)
    theirs = camera.project(points[0])[None]
    torch.testing.assert_close(ours, theirs)
    assert math.isclose(camera.fx.item(), k[0, 0, 0].item())
