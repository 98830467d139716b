"""The public renderer: geometry, occlusion, holes, gradients and input checking."""

import pytest
import torch
from kornia.geometry.depth import warp_frame_depth
from torch.autograd import gradcheck

from infinite_nature.geometry import intrinsics_from_fov, look_direction, relative_pose
from infinite_nature.render import splat
from tests.render.scenes import default_intrinsics, plane_disparity, sideways, smooth_texture

ONE_PIXEL_K = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]], dtype=torch.float64)


def _target_k(cx: float, cy: float) -> torch.Tensor:
    k = ONE_PIXEL_K.clone()
    k[0, 0, 2], k[0, 1, 2] = cx, cy
    return k


def _one_point(mode: str, cx: float, cy: float):
    features = torch.tensor([[[[0.7]], [[0.2]]]], dtype=torch.float64)  # [1, 2, 1, 1]
    disparity = torch.full((1, 1, 1, 1), 0.5, dtype=torch.float64)
    return splat(
        features,
        disparity,
        ONE_PIXEL_K,
        torch.eye(4, dtype=torch.float64)[None],
        target_intrinsics=_target_k(cx, cy),
        target_size=(3, 4),
        alpha=torch.ones_like(disparity),
        mode=mode,
    )


@pytest.mark.parametrize("mode", ["softmax", "zbuffer"])
def test_a_point_exactly_on_a_pixel(mode):
    result = _one_point(mode, 2.0, 1.0)
    assert result.valid.sum().item() == 1 and bool(result.valid[0, 0, 1, 2])
    torch.testing.assert_close(result.features[0, :, 1, 2], torch.tensor([0.7, 0.2], dtype=torch.float64))
    assert result.disparity[0, 0, 1, 2].item() == pytest.approx(0.5)
    assert result.coverage.sum().item() == pytest.approx(1.0)
    assert result.features.sum().item() == pytest.approx(0.9)  # nothing elsewhere


@pytest.mark.parametrize("mode", ["softmax", "zbuffer"])
def test_a_point_split_four_ways(mode):
    result = _one_point(mode, 1.5, 0.5)
    quarter = torch.zeros(3, 4, dtype=torch.float64)
    quarter[0:2, 1:3] = 0.25
    torch.testing.assert_close(result.coverage[0, 0], quarter)
    # normalised by the weights that landed: every touched pixel shows the point itself
    for row, col in ((0, 1), (0, 2), (1, 1), (1, 2)):
        torch.testing.assert_close(result.features[0, :, row, col], torch.tensor([0.7, 0.2], dtype=torch.float64))
    assert not result.valid.any()  # a quarter coverage is below the default threshold
    assert _one_point(mode, 1.5, 0.5).valid.sum() == 0


@pytest.mark.parametrize("mode", ["softmax", "zbuffer"])
def test_the_nearer_of_two_points_on_one_pixel_wins(mode):
    """Two source pixels at disparity 0.8 and 0.3 land on one target pixel after a sideways move."""
    features = torch.tensor([[[[1.0, 0.0]]]], dtype=torch.float64)  # near shows 1, far shows 0
    disparity = torch.tensor([[[[0.8, 0.3]]]], dtype=torch.float64)
    source_k = _target_k(0.5, 0.0)
    transform = sideways(-2.0)  # t = 1 / (0.8 - 0.3): both rays meet in the target
    result = splat(
        features, disparity, source_k, transform,
        target_intrinsics=_target_k(-0.1, 1.0), target_size=(3, 3),
        alpha=torch.ones_like(disparity), mode=mode,
    )
    # softmax blends both (the far one with weight e^-20); the z-buffer discards the far one
    assert result.coverage[0, 0, 1, 1].item() == pytest.approx(2.0 if mode == "softmax" else 1.0)
    assert result.features[0, 0, 1, 1].item() == pytest.approx(1.0, abs=1e-6)
    assert result.disparity[0, 0, 1, 1].item() == pytest.approx(0.8, abs=1e-6)


@pytest.mark.parametrize("mode", ["softmax", "zbuffer"])
def test_identity_pose_reproduces_the_input(mode, device, dtype):
    k = intrinsics_from_fov(60.0, 24, 32, dtype=dtype, device=device)
    features = smooth_texture(24, 32, dtype).to(device)
    disparity = plane_disparity(k.cpu(), torch.tensor([0.0, 0.3, 0.2], dtype=dtype), 24, 32).to(device)
    result = splat(features, disparity, k, torch.eye(4, dtype=dtype, device=device)[None], mode=mode)
    tol = 1e-5 if dtype == torch.float32 else 1e-9
    torch.testing.assert_close(result.features, features, atol=tol, rtol=0)
    torch.testing.assert_close(result.disparity, disparity, atol=tol, rtol=tol)
    assert result.valid.all()


def test_small_move_agrees_with_kornia_backward_warp():
    """Forward splatting and kornia's backward warp with the true target depth agree on a plane."""
    height, width = 48, 64
    k = default_intrinsics(height, width)
    normal = torch.tensor([0.0, 0.25, 0.15], dtype=torch.float64)  # a ground-like slanted plane
    features = smooth_texture(height, width)
    disparity = plane_disparity(k, normal, height, width)
    source_pose = torch.eye(4, dtype=torch.float64)[None]
    target_pose = look_direction(
        torch.tensor([[0.15, -0.05, 0.3]], dtype=torch.float64), torch.tensor([[0.05, 0.02, 1.0]], dtype=torch.float64)
    )
    transform = relative_pose(source_pose, target_pose)  # source -> target
    result = splat(features, disparity, k, transform)
    # the plane in the target frame: n' = R n / (1 + (R n) . t)
    rotation, translation = transform[0, :3, :3], transform[0, :3, 3]
    rotated = rotation @ normal
    target_normal = rotated / (1 + rotated @ translation)
    true_disparity = plane_disparity(k, target_normal, height, width)
    warped = warp_frame_depth(features, 1.0 / true_disparity, transform.inverse(), k)
    interior = result.valid.clone()
    interior[..., :4, :] = interior[..., -4:, :] = interior[..., :, :4] = interior[..., :, -4:] = False
    assert interior.float().mean() > 0.6
    mask = interior.expand_as(features)
    assert (result.features - warped)[mask].abs().max() < 0.02
    # softmax weights favour the nearer neighbours slightly, so allow 1% on disparity
    assert ((result.disparity - true_disparity)[interior].abs() / true_disparity[interior]).max() < 1e-2


@pytest.mark.parametrize("mode", ["softmax", "zbuffer"])
def test_holes_appear_exactly_where_the_background_is_uncovered(mode):
    """Foreground square at disparity 0.5 over a background at 0.1; the camera moves right."""
    size = 64
    k = default_intrinsics(size, size)
    focal = k[0, 0, 0].item()
    disparity = torch.full((1, 1, size, size), 0.1, dtype=torch.float64)
    top, bottom, left, right = 20, 44, 20, 40  # foreground occupies rows [20, 44) and columns [20, 40)
    disparity[..., top:bottom, left:right] = 0.5
    features = smooth_texture(size, size)
    shift = 20.0 / focal  # foreground moves 10 px left, background 2 px left
    result = splat(features, disparity, k, sideways(shift), mode=mode)
    invalid = ~result.valid[0, 0]
    # uncovered strip: between the foreground's new right edge (col 30) and where the background
    # that bordered it lands (col 38)
    strip = invalid[top + 2 : bottom - 2, 31:37]
    assert strip.all(), "the disoccluded band must be a hole"
    # away from every edge, everything is valid
    expected_hole = torch.zeros(size, size, dtype=torch.bool)
    expected_hole[top - 2 : bottom + 2, 8:42] = True  # both foreground edges, with a margin
    expected_hole[:, size - 5 :] = True  # the right image border, uncovered by the move
    assert not (invalid & ~expected_hole).any()
    # the foreground still shows its own texture where it moved to
    torch.testing.assert_close(
        result.features[0, :, 30, 15], features[0, :, 30, 25], atol=1e-6, rtol=0
    )


def test_half_precision_is_splatted_in_float32():
    k = intrinsics_from_fov(60.0, 8, 8)
    features = torch.rand(1, 3, 8, 8).to(torch.bfloat16)
    disparity = torch.full((1, 1, 8, 8), 0.5).to(torch.bfloat16)
    result = splat(features, disparity, k.to(torch.bfloat16), torch.eye(4)[None].to(torch.bfloat16))
    assert result.features.dtype == torch.bfloat16
    torch.testing.assert_close(result.features, features)


def _gradcheck_scene():
    k = intrinsics_from_fov(60.0, 6, 7, dtype=torch.float64)
    features = torch.rand(1, 2, 6, 7, dtype=torch.float64, requires_grad=True)
    base = plane_disparity(k, torch.tensor([0.0, 0.3, 0.2], dtype=torch.float64), 6, 7)
    disparity = (base + 0.01 * torch.rand_like(base)).requires_grad_(True)
    transform = sideways(0.0123).clone()
    transform[0, 2, 3] = -0.021
    return k, features, disparity, transform.requires_grad_(True)


@pytest.mark.parametrize("mode", ["softmax", "zbuffer"])
def test_gradcheck_features_depth_and_pose(mode):
    k, features, disparity, transform = _gradcheck_scene()

    def run(f, d, t):
        result = splat(f, d, k, t, mode=mode)
        return result.features, result.disparity

    assert gradcheck(run, (features, disparity, transform), atol=1e-6)


def test_points_behind_the_camera_are_dropped():
    k = default_intrinsics(16, 16)
    disparity = torch.full((1, 1, 16, 16), 0.5, dtype=torch.float64)  # a wall at depth 2
    disparity[..., :, 8:] = 0.1  # right half at depth 10
    transform = torch.eye(4, dtype=torch.float64)[None].clone()
    transform[0, 2, 3] = -5.0  # move forward by 5: the near half is now behind the camera
    result = splat(smooth_texture(16, 16), disparity, k, transform)
    assert torch.isfinite(result.features).all() and torch.isfinite(result.disparity).all()
    assert result.disparity.max().item() == pytest.approx(0.2, rel=1e-6)  # only depth-10 points remain


def test_nothing_visible_gives_an_all_hole_result():
    k = default_intrinsics(8, 8)
    transform = torch.eye(4, dtype=torch.float64)[None].clone()
    transform[0, 2, 3] = -50.0
    result = splat(smooth_texture(8, 8), torch.full((1, 1, 8, 8), 0.5, dtype=torch.float64), k, transform)
    assert not result.valid.any() and result.features.abs().sum() == 0 and result.disparity.abs().sum() == 0


def _good_inputs():
    k = default_intrinsics(8, 8)
    return smooth_texture(8, 8), torch.full((1, 1, 8, 8), 0.5, dtype=torch.float64), k, torch.eye(4, dtype=torch.float64)[None]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda f, d, k, t: (f[0], d, k, t, {}), "features must be"),
        (lambda f, d, k, t: (f, d[:, :, :4], k, t, {}), "disparity must have shape"),
        (lambda f, d, k, t: (f, d, k[0], t, {}), "intrinsics must have shape"),
        (lambda f, d, k, t: (f, d, k, t[:, :3], {}), "transform must have shape"),
        (lambda f, d, k, t: (f, d.float(), k, t, {}), "disparity has dtype"),
        (lambda f, d, k, t: (f, d * float("nan"), k, t, {}), "NaN or inf"),
        (lambda f, d, k, t: (f, d * float("inf"), k, t, {}), "NaN or inf"),
        (lambda f, d, k, t: (f, d * 0, k, t, {}), "zero or negative"),
        (lambda f, d, k, t: (f, -d, k, t, {}), "zero or negative"),
        (lambda f, d, k, t: (f, d, k * float("nan"), t, {}), "intrinsics contains"),
        (lambda f, d, k, t: (f, d, k, t, {"target_size": (0, 8)}), "target_size"),
        (lambda f, d, k, t: (f[:, :, :0], d[:, :, :0], k, t, {}), "empty"),
        (lambda f, d, k, t: (f, d, k, t, {"mode": "median"}), "mode must be"),
        (lambda f, d, k, t: (f, d, k, t, {"backend": "opengl"}), "backend must be"),
        (lambda f, d, k, t: (f, d, k, t, {"backend": "cuda"}), "needs CUDA tensors"),
        (lambda f, d, k, t: (f.long(), d.long(), k.long(), t.long(), {}), "floating-point"),
    ],
)
def test_bad_input_raises_a_clear_value_error(change, message):
    f, d, k, t, kwargs = change(*_good_inputs())
    with pytest.raises(ValueError, match=message):
        splat(f, d, k, t, **kwargs)


def test_missing_pytorch3d_is_a_clear_error():
    pytest.importorskip("torch")
    from infinite_nature.render import _pytorch3d_impl

    if _pytorch3d_impl.is_available():
        pytest.skip("pytorch3d is installed here")
    with pytest.raises(ValueError, match="pytorch3d is not installed"):
        splat(*_good_inputs(), backend="pytorch3d")
