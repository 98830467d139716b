import torch
from kornia.geometry.depth import depth_to_3d
from torch.autograd import gradcheck

from infinite_nature.geometry import intrinsics_from_fov, pixel_grid, project, unproject


def test_round_trip_pixels(device, dtype):
    k = intrinsics_from_fov(60.0, 12, 16, batch_size=2, dtype=dtype, device=device)
    depth = torch.rand(2, 1, 12, 16, dtype=dtype, device=device) * 10 + 0.5
    points = unproject(depth, k)
    assert points.shape == (2, 12, 16, 3)
    uv, z = project(points.reshape(2, -1, 3), k)
    grid = pixel_grid(12, 16, dtype, device).reshape(1, -1, 2).expand(2, -1, -1)
    tol = 1e-4 if dtype == torch.float32 else 1e-10
    torch.testing.assert_close(uv, grid, atol=tol, rtol=0)
    torch.testing.assert_close(z, depth.reshape(2, -1))


def test_unproject_agrees_with_kornia_depth_to_3d():
    k = intrinsics_from_fov(70.0, 9, 11, dtype=torch.float64)
    depth = torch.rand(1, 1, 9, 11, dtype=torch.float64) + 1
    ours = unproject(depth, k)
    theirs = depth_to_3d(depth, k).permute(0, 2, 3, 1)
    torch.testing.assert_close(ours, theirs)


def test_pixel_grid_is_u_then_v():
    grid = pixel_grid(2, 3, torch.float32, torch.device("cpu"))
    assert grid[1, 2].tolist() == [2.0, 1.0]


def test_bad_shapes_are_rejected():
    k = intrinsics_from_fov(60.0, 4, 4)
    for bad in (torch.ones(1, 4, 4), torch.ones(1, 2, 4, 4)):
        try:
            unproject(bad, k)
        except ValueError as error:
            assert "depth" in str(error)
        else:
            raise AssertionError("bad depth shape was accepted")
    try:
        project(torch.ones(1, 5, 2), k)
    except ValueError as error:
        assert "points" in str(error)
    else:
        raise AssertionError("bad points shape was accepted")


def test_gradcheck_project_and_unproject():
    k = intrinsics_from_fov(60.0, 4, 5, dtype=torch.float64)
    depth = (torch.rand(1, 1, 4, 5, dtype=torch.float64) + 1).requires_grad_(True)
    assert gradcheck(lambda d: unproject(d, k), (depth,))
    points = (torch.rand(1, 6, 3, dtype=torch.float64) + torch.tensor([0, 0, 1.0], dtype=torch.float64))
    points.requires_grad_(True)
    assert gradcheck(lambda p: project(p, k)[0], (points,))
