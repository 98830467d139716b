"""The optional pytorch3d adapter (skipped where pytorch3d is not installed)."""

import pytest
import torch

from infinite_nature.geometry import intrinsics_from_fov
from infinite_nature.render import splat
from tests.render.scenes import plane_disparity, smooth_texture

pytest.importorskip("pytorch3d")


def test_pytorch3d_agrees_with_reference_in_the_large():
    k = intrinsics_from_fov(60.0, 48, 64)
    features = smooth_texture(48, 64, torch.float32)
    disparity = plane_disparity(k.double(), torch.tensor([0.0, 0.25, 0.15], dtype=torch.float64), 48, 64).float()
    transform = torch.eye(4)[None].clone()
    transform[0, :3, 3] = torch.tensor([0.05, 0.0, 0.1])
    reference = splat(features, disparity, k, transform, backend="torch")
    ours = splat(features, disparity, k, transform, backend="pytorch3d")
    both = reference.valid & ours.valid
    assert both.float().mean() > 0.8
    assert (ours.features - reference.features).abs()[both.expand_as(features)].mean() < 0.03
