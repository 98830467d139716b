"""A source view's surfaces as a mesh where a view magnifies them (render/surface_mesh.py,
render.fill.cover_surfaces): what lies behind a magnified surface must not show through it."""

from __future__ import annotations

import itertools

import pytest
import torch

from infinite_nature.disparity import DISPARITY_MAX, DISPARITY_MIN
from infinite_nature.geometry import intrinsics_from_fov
from infinite_nature.render import surface_mesh
from infinite_nature.render.alpha import edge_alpha
from infinite_nature.render.fill import (
    ALPHA_THRESHOLD, COVERAGE_THRESHOLD, cover_magnified, cover_surfaces, render_for_refiner,
)
from infinite_nature.render.splatting import NEAR_DEPTH, project_pixels, splat
from infinite_nature.render.surface_mesh import MAX_DEPTH_STEP, MAX_EXTENT, MIN_EXTENT, rasterise_surfaces


def _brute_force_disparity(uv, depth, source_disparity, surface, source_size, target_size):  # one image, plain Python
    height, width = source_size
    best = torch.zeros(target_size, dtype=torch.float64)
    for r, c in itertools.product(range(height - 1), range(width - 1)):
        tl, tr, bl, br = r * width + c, r * width + c + 1, (r + 1) * width + c, (r + 1) * width + c + 1
        square = [tl, tr, bl, br]
        extent = float((uv[square].amax(0) - uv[square].amin(0)).amax())
        if not (MIN_EXTENT <= extent <= MAX_EXTENT) or not all(bool(surface[i]) and float(depth[i]) > NEAR_DEPTH
                                                                for i in square):
            continue
        for triangle in ((tl, tr, bl), (tr, br, bl)):
            z = [float(depth[i]) for i in triangle]
            seen = [float(source_disparity[i]) for i in triangle]
            if max(seen) > min(seen) * (1 + MAX_DEPTH_STEP):
                continue
            (ax, ay), (bx, by), (cx, cy) = (uv[i].tolist() for i in triangle)
            area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
            if abs(area) < 1e-9:
                continue
            for y, x in itertools.product(range(target_size[0]), range(target_size[1])):
                w_b = ((x - ax) * (cy - ay) - (y - ay) * (cx - ax)) / area
                w_c = ((bx - ax) * (y - ay) - (by - ay) * (x - ax)) / area
                if min(w_b, w_c, 1 - w_b - w_c) < -1e-6:
                    continue
                disparity = (1 - w_b - w_c) / z[0] + w_b / z[1] + w_c / z[2]
                best[y, x] = max(float(best[y, x]), disparity)
    return best


@pytest.mark.parametrize("budget", [surface_mesh.CANDIDATE_BUDGET, 7])  # one batch, and many small ones
def test_the_rasteriser_matches_a_brute_force_z_buffer(budget, monkeypatch, device):
    monkeypatch.setattr(surface_mesh, "CANDIDATE_BUDGET", budget)
    generator = torch.Generator().manual_seed(3)
    rows, columns = torch.meshgrid(torch.arange(6.0), torch.arange(7.0), indexing="ij")
    # a grid magnified about 4x with jitter: squares of every size, some folded over others
    uv = torch.stack([columns * 4.0 + 2, rows * 4.0 + 1], dim=-1).reshape(-1, 2).double()
    uv = uv + torch.randn(uv.shape, generator=generator, dtype=torch.float64) * 1.5
    depth = 2.0 + torch.rand(42, generator=generator, dtype=torch.float64) * 0.4
    source_disparity = 1.0 / (3.0 + torch.rand(42, generator=generator, dtype=torch.float64) * 0.6)  # some steps over MAX_DEPTH_STEP
    surface = torch.rand(42, generator=generator) > 0.1
    values = torch.rand(1, 2, 42, generator=generator, dtype=torch.float64)
    mesh = rasterise_surfaces(uv[None].to(device), depth[None].to(device), source_disparity[None].to(device),
                              values.to(device), surface[None].to(device), (6, 7), (26, 30))
    expected = _brute_force_disparity(uv, depth, source_disparity, surface, (6, 7), (26, 30))
    assert int((expected > 0).sum()) > 200  # a real test: most of the target is covered
    torch.testing.assert_close(mesh.disparity[0, 0].cpu(), expected, atol=1e-9, rtol=0)
    assert torch.equal(mesh.covered[0, 0].cpu(), expected > 0)
    assert bool((mesh.values[:, :, ~mesh.covered[0, 0]] == 0).all())


def test_interpolated_values_are_differentiable():
    generator = torch.Generator().manual_seed(0)
    rows, columns = torch.meshgrid(torch.arange(3.0), torch.arange(3.0), indexing="ij")
    uv = (torch.stack([columns, rows], dim=-1).reshape(1, 9, 2) * 3.0 + 0.3).double()
    depth = (1.0 + 0.05 * torch.rand(1, 9, generator=generator)).double()
    values = torch.rand(1, 2, 9, generator=generator, dtype=torch.float64, requires_grad=True)
    surface = torch.ones(1, 9, dtype=torch.bool)
    torch.autograd.gradcheck(lambda v: rasterise_surfaces(uv, depth, 1.0 / depth, v, surface, (3, 3), (8, 8)).values,
                             (values,))


def _slab_before_a_wall() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """A red slab 2 units away filling the lower half of the view, a blue wall 10 units away
    above it; the camera flies 1.5 units at the slab (4x magnified) and 0.2 down, so the
    slab rises over the wall's lower rows."""
    features = torch.zeros(1, 4, 64, 64)
    features[:, 2, :32] = 1.0  # blue wall
    features[:, 0, 32:] = 1.0  # red slab
    disparity = torch.full((1, 1, 64, 64), 0.1)
    disparity[..., 32:, :] = 0.5
    transform = torch.eye(4)[None]
    transform[0, 2, 3], transform[0, 1, 3] = -1.5, -0.2
    return features, disparity, intrinsics_from_fov(60.0, 64, 64), transform


def test_a_magnified_surface_hides_what_lies_behind_it(device):
    features, disparity, k, transform = (t.to(device) for t in _slab_before_a_wall())
    splatted = cover_magnified(splat(features, disparity, k, transform, alpha_threshold=ALPHA_THRESHOLD,
                                     coverage_threshold=COVERAGE_THRESHOLD))
    slab = (slice(None), slice(None), slice(22, 62), slice(2, 62))  # well inside the slab's new place
    wall_through_gaps = splatted.valid[slab] & (splatted.disparity[slab] < 0.2)
    assert int(wall_through_gaps.sum()) > 100  # what the points alone show: the wall between them
    covered = cover_surfaces(splatted, features, disparity, edge_alpha(disparity), k, transform, k)
    assert bool(covered.valid[slab].all())
    torch.testing.assert_close(covered.disparity[slab], torch.full_like(covered.disparity[slab], 2.0))
    wall = (slice(None), slice(None), slice(2, 16), slice(4, 60))  # above the slab: untouched
    assert torch.equal(covered.disparity[wall], splatted.disparity[wall])
    assert torch.equal(covered.features[wall], splatted.features[wall])


def test_a_rendered_view_shows_no_specks_of_the_background_in_a_magnified_foreground():
    features, disparity, k, transform = _slab_before_a_wall()
    rendered = render_for_refiner(features, disparity, k, transform)
    slab = rendered.features[0, :, 22:62, 2:62]
    assert bool(rendered.valid[0, 0, 22:62, 2:62].all())
    assert float(slab[2].max()) < 1e-3 and float(slab[0].min()) > 0.999  # red only, no blue


def test_a_view_that_magnifies_nothing_is_left_as_splatted():
    features, disparity, k, _ = _slab_before_a_wall()
    transform = torch.eye(4)[None]
    transform[0, 0, 3] = 0.05  # a small step sideways
    splatted = splat(features, disparity, k, transform)
    covered = cover_surfaces(splatted, features, disparity, edge_alpha(disparity), k, transform, k)
    assert covered is splatted


def test_a_slope_flown_close_stays_whole(device):
    """Level ground under the camera, flown over until the part ahead is about twice as near:
    neighbouring rows there lie 6-10% apart in depth as the source saw them and over 10%
    apart from the camera now, and the mesh must still cover the ground between them
    (measured in the target, the depth step cut such ground into rectangular holes)."""
    height = width = 64
    k = intrinsics_from_fov(60.0, height, width).to(device)
    focal, centre = float(k[0, 1, 1]), float(k[0, 1, 2])
    rows = torch.arange(height, dtype=torch.float32, device=device).view(1, 1, height, 1)
    ground = (rows - centre).clamp_min(1e-3) / focal  # disparity of a plane 1 unit under the camera
    disparity = ground.expand(1, 1, height, width).clamp(DISPARITY_MIN, DISPARITY_MAX).contiguous()
    features = torch.rand(1, 3, height, width, generator=torch.Generator().manual_seed(0)).to(device)
    transform = torch.eye(4, device=device)[None]
    transform[0, 2, 3] = -1.5  # 1.5 units forward
    ahead = (slice(None), slice(None), slice(48, 62), slice(12, 52))
    splatted = cover_magnified(splat(features, disparity, k, transform, alpha_threshold=ALPHA_THRESHOLD,
                                     coverage_threshold=COVERAGE_THRESHOLD))
    assert not bool(splatted.valid[ahead].all())  # the points alone leave gaps there
    _, now = project_pixels(disparity, k, transform, k)  # [1, N] depth from the new camera
    seen = 1.0 / disparity[0, 0, :, 0].double()  # [H] depth as the source saw each row
    now = now.view(height, width)[:, 0].double()
    source_rows = slice(42, 49)  # what lands in ``ahead``
    assert bool((seen[source_rows] / seen[1:][source_rows] - 1 < MAX_DEPTH_STEP).all())
    assert bool((now[source_rows] / now[1:][source_rows] - 1 > MAX_DEPTH_STEP).any())
    covered = cover_surfaces(splatted, features, disparity, edge_alpha(disparity), k, transform, k)
    assert bool(covered.valid[ahead].all())
