"""Metric functions against hand-computed values."""

import math

import pytest
import torch

from infinite_nature.evaluate.metrics import coarse_lab_error, coarse_psnr, disparity_abs_rel, psnr, sharpness, ssim


def test_psnr_of_known_noise():
    target = torch.full((1, 3, 8, 8), 0.5)
    noisy = target + 0.1  # MSE 0.01 -> 20 dB
    assert psnr(noisy, target).item() == pytest.approx(20.0, abs=1e-4)
    mask = torch.zeros(1, 1, 8, 8, dtype=torch.bool)
    mask[..., :4, :] = True
    half = target.clone()
    half[..., 4:, :] += 0.5  # only outside the mask
    assert psnr(half, target, mask).item() > 90


def test_coarse_metrics_see_the_scene_not_its_fine_texture():
    scene = torch.rand(1, 3, 8, 8).repeat_interleave(4, -1).repeat_interleave(4, -2) * 0.6 + 0.2  # 4x4 blocks
    checker = ((torch.arange(32)[:, None] + torch.arange(32)[None]) % 2).float() * 0.2 - 0.1  # mean 0 per block
    textured = scene + checker
    assert psnr(textured, scene).item() == pytest.approx(20.0, abs=1e-3)  # MSE 0.01
    assert coarse_psnr(textured, scene).item() > 90  # the same scene
    assert coarse_lab_error(textured, scene).item() < 1e-3
    assert coarse_psnr(scene + 0.1, scene).item() == pytest.approx(20.0, abs=1e-3)  # other colours
    lighter = coarse_lab_error(torch.full((1, 3, 8, 8), 0.6), torch.full((1, 3, 8, 8), 0.5))
    assert 5 < lighter.item() < 15  # grey 0.5 -> 0.6: about 9 L* units


def test_ssim_of_identical_images_is_one():
    image = torch.rand(2, 3, 32, 32)
    torch.testing.assert_close(ssim(image, image), torch.ones(2), atol=1e-4, rtol=0)
    assert ssim(image, torch.rand(2, 3, 32, 32)).max() < 0.5


def test_sharpness_of_flat_and_checkerboard():
    assert sharpness(torch.full((1, 3, 16, 16), 0.3)).item() == pytest.approx(0.0, abs=1e-10)
    checker = ((torch.arange(16)[:, None] + torch.arange(16)[None]) % 2).float().expand(1, 3, 16, 16)
    # normalised 3x3 Laplacian: (4 diagonal - 8 centre) / 16 = -0.25 or +0.25 everywhere -> variance 1/16
    assert sharpness(checker).item() == pytest.approx(0.0625 * 256 / 255, rel=1e-4)  # unbiased variance


def test_disparity_abs_rel():
    target = torch.full((1, 1, 4, 4), 0.5)
    prediction = torch.full((1, 1, 4, 4), 0.55)
    mask = torch.ones_like(target, dtype=torch.bool)
    assert disparity_abs_rel(prediction, target, mask).item() == pytest.approx(0.1)
    assert math.isclose(disparity_abs_rel(target, target, mask).item(), 0.0)


def test_flicker_of_a_static_scene_is_zero_and_grows_with_change():
    from infinite_nature.evaluate.metrics import colour_drift, temporal_flicker
    from infinite_nature.geometry import intrinsics_from_fov

    image = torch.rand(1, 3, 16, 16)
    disparity = torch.full((1, 1, 16, 16), 0.3)
    k = intrinsics_from_fov(60.0, 16, 16)
    identity = torch.eye(4)[None]
    assert temporal_flicker(image, disparity, image, k, identity).item() == pytest.approx(0.0, abs=1e-6)
    assert temporal_flicker(image, disparity, (image + 0.1).clamp(0, 1), k, identity).item() > 0.05
    mean, std = colour_drift(image, image)
    assert mean.item() == pytest.approx(0.0, abs=1e-4) and std.item() == pytest.approx(0.0, abs=1e-4)
    assert colour_drift(image * 0.5, image)[0].item() > 5
