"""Backward colour resampling: the same-surface Catmull-Rom sampler and what it does to a render."""

import math

import pytest
import torch
from torch.autograd import gradcheck

from infinite_nature.evaluate.metrics import sharpness
from infinite_nature.render import resample, splat
from infinite_nature.render.fill import fill_small_holes, render_for_refiner
from infinite_nature.render.resample import _cubic_weights, _sample_table, resample_colour, same_surface_sample
from infinite_nature.render.splatting import SplatResult
from tests.render.scenes import default_intrinsics, sideways


def _texture(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:  # [...] -> [3, ...]
    """A continuous pattern with detail at a few pixels' period, so resampling blur shows."""
    return torch.stack([
        0.5 + 0.3 * torch.sin(2 * math.pi * u / 4.7),
        0.5 + 0.3 * torch.cos(2 * math.pi * v / 5.3),
        0.5 + 0.2 * torch.sin(2 * math.pi * (u + v) / 6.1),
    ])


def _grid(height: int, width: int, dtype, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    v, u = torch.meshgrid(torch.arange(height, dtype=dtype, device=device),
                          torch.arange(width, dtype=dtype, device=device), indexing="ij")
    return u, v


def test_exact_at_pixel_centres_and_on_linear_ramps(device, dtype):
    height, width = 9, 11
    u, v = _grid(height, width, dtype, device)
    image = torch.stack([0.1 + 0.03 * u + 0.05 * v, torch.rand(height, width, dtype=dtype, device=device)])[None]
    disparity = torch.full((1, 1, height, width), 0.5, dtype=dtype, device=device)
    centres = torch.stack([u, v], dim=-1).reshape(1, -1, 2)
    sampled, weight = same_surface_sample(image, disparity, centres, torch.full(centres.shape[:2], 0.5, dtype=dtype, device=device))
    torch.testing.assert_close(sampled, image.flatten(2))
    torch.testing.assert_close(weight, torch.ones_like(weight))
    inside = torch.rand(1, 50, 2, dtype=dtype, device=device) * torch.tensor([width - 3, height - 3], dtype=dtype, device=device) + 1
    ramp, _ = same_surface_sample(image[:, :1], disparity, inside, torch.full((1, 50), 0.5, dtype=dtype, device=device))
    torch.testing.assert_close(ramp[0, 0], 0.1 + 0.03 * inside[0, :, 0] + 0.05 * inside[0, :, 1])


def _taps_one_by_one(table, height, width, base, uv, expected, tolerance, a):
    """The sampler written plainly: every tap clamped into the image and read on its own."""
    u0, v0 = uv[:, 0].floor(), uv[:, 1].floor()
    offsets = range(0, 2) if a is None else range(-1, 3)
    total, weight_sum = torch.zeros(uv.shape[0], table.shape[1] - 1, dtype=table.dtype), torch.zeros_like(u0)
    for dy in offsets:
        for dx in offsets:
            if a is None:
                wy, wx = 1 - (uv[:, 1] - v0 - dy).abs(), 1 - (uv[:, 0] - u0 - dx).abs()
            else:
                cubic = lambda t: _cubic_weights(t, a)  # noqa: E731
                wy, wx = cubic(uv[:, 1] - v0)[:, dy + 1], cubic(uv[:, 0] - u0)[:, dx + 1]
            row, column = (v0 + dy).clamp(0, height - 1).long(), (u0 + dx).clamp(0, width - 1).long()
            tap = table[base + row * width + column]
            weight = wy * wx * ((tap[:, -1] - expected).abs() <= tolerance * expected)
            total += weight[:, None] * tap[:, :-1]
            weight_sum += weight
    return total / weight_sum.clamp_min(1e-6)[:, None], weight_sum


@pytest.mark.parametrize("a", [-0.5, None], ids=["Catmull-Rom", "bilinear"])
@pytest.mark.parametrize(("height", "width", "batch"), [(12, 17, 2), (5, 3, 1), (6, 1, 2)])
def test_the_strip_gather_reads_the_same_taps_as_one_by_one(a, height, width, batch):
    table = torch.rand(batch * height * width, 4, dtype=torch.float64) + 0.1
    uv = torch.rand(400, 2, dtype=torch.float64) * torch.tensor([width + 6.0, height + 6.0], dtype=torch.float64) - 3
    uv[:4] = torch.tensor([[1e9, -1e9], [-1e9, 1e9], [-0.5, -0.5], [width - 0.5, height - 0.5]], dtype=torch.float64)
    base = torch.randint(0, batch, (400,)) * height * width
    expected = table[torch.randint(0, table.shape[0], (400,)), -1]
    sampled, weight = _sample_table(table, height, width, base, uv, expected, 0.3, a)
    reference, reference_weight = _taps_one_by_one(table, height, width, base, uv, expected, 0.3, a)
    torch.testing.assert_close(weight, reference_weight, rtol=1e-9, atol=1e-12)
    kept = reference_weight > 1e-3  # where almost no weight is left the quotient only amplifies rounding
    torch.testing.assert_close(sampled[kept], reference[kept], rtol=1e-9, atol=1e-9)


def test_taps_on_another_surface_are_left_out():
    image = torch.zeros(1, 1, 8, 8)
    image[..., 4:] = 1.0  # right half: another colour ...
    disparity = torch.full((1, 1, 8, 8), 1.0)
    disparity[..., 4:] = 0.2  # ... on a farther surface
    near_edge = torch.tensor([[[3.4, 3.5]]])  # its cubic footprint reaches two columns into the right half
    sampled, weight = same_surface_sample(image, disparity, near_edge, torch.tensor([[1.0]]))
    assert sampled.item() == pytest.approx(0.0, abs=1e-6)  # no bleeding from the far surface
    assert 0.5 < weight.item() < 1.0
    mixed, _ = same_surface_sample(image, torch.ones_like(disparity), near_edge, torch.tensor([[1.0]]))
    assert mixed.item() > 0.05  # the same place with one surface everywhere: plain Catmull-Rom mixes


def test_gradients_float64():
    image = torch.rand(1, 2, 6, 7, dtype=torch.float64, requires_grad=True)
    disparity = torch.full((1, 1, 6, 7), 0.4, dtype=torch.float64)
    uv = (torch.rand(1, 5, 2, dtype=torch.float64) * 4 + 1).requires_grad_(True)
    expected = torch.full((1, 5), 0.4, dtype=torch.float64)
    assert gradcheck(lambda i, p: same_surface_sample(i, disparity, p, expected)[0], (image, uv))


def test_a_subpixel_move_stays_sharper_and_closer_to_the_truth_than_the_splat(device, dtype):
    height, width, shift = 40, 48, 0.0137  # the camera moves right: the plane at depth 1 moves ~0.57 px left
    k = default_intrinsics(height, width, dtype).to(device)
    u, v = _grid(height, width, dtype, device)
    source = _texture(u, v)[None]
    disparity = torch.ones(1, 1, height, width, dtype=dtype, device=device)
    transform = sideways(shift, dtype).to(device)
    truth = _texture(u + float(k[0, 0, 0]) * shift, v)[None]
    splatted = splat(source, disparity, k, transform)
    resampled = resample_colour(splatted, source, disparity, k, k, transform)
    inner = splatted.valid.clone()
    inner[..., :, -3:] = False  # the right border: the source ends there
    error = {name: (result.features - truth).abs()[inner.expand_as(truth)].mean() for name, result in
             (("splat", splatted), ("resampled", resampled))}
    assert error["resampled"] < 0.3 * error["splat"]
    assert sharpness(resampled.features[..., :-3]) > 1.2 * sharpness(splatted.features[..., :-3])
    assert torch.equal(resampled.valid, splatted.valid)


def test_silhouettes_come_from_one_surface():
    """The splat leaves a silhouette's pixels as holes (edge alpha) and interpolation blends the two
    surfaces there; the resampled render gives each pixel the surface the source shows. (The
    strip the square uncovers on its right was never seen: it stays interpolated.)"""
    height, width = 48, 48
    k = default_intrinsics(height, width)
    colour = torch.zeros(1, 1, height, width, dtype=torch.float64)
    disparity = torch.full((1, 1, height, width), 0.25, dtype=torch.float64)
    colour[..., 14:34, 14:34] = 1.0  # a near square in front of a far wall
    disparity[..., 14:34, 14:34] = 1.0
    transform = sideways(0.11)
    interpolated = fill_small_holes(splat(colour, disparity, k, transform))
    rendered = render_for_refiner(colour, disparity, k, transform)

    def mixed(result) -> int:  # the left half: the square moved left, over the wall
        values = result.features[..., :24][result.valid[..., :24]]
        return int(((values > 0.05) & (values < 0.95)).sum())

    assert mixed(interpolated) > 20
    assert mixed(rendered) <= 2


def test_a_magnified_edge_takes_nothing_from_the_surface_behind_it(monkeypatch):
    """A near surface's edge 19% nearer than the wall behind it (within the ordinary same-surface
    tolerance), seen from a camera that moved towards it: its pixels read only its own colour,
    not a blend with the wall's (light bars along the built-in example's far island)."""
    height = width = 48
    k = default_intrinsics(height, width)
    colour = torch.zeros(1, 1, height, width, dtype=torch.float64)
    disparity = torch.full((1, 1, height, width), 0.42, dtype=torch.float64)  # a far wall
    colour[..., :24] = 1.0
    disparity[..., :24] = 0.5  # a near surface on the left, at depth 2
    forward = 0.6  # magnifies the near surface 1.43 times
    transform = torch.eye(4, dtype=torch.float64)[None]
    transform[0, 2, 3] = -forward
    fx, cx = float(k[0, 0, 0]), float(k[0, 0, 2])
    column = torch.arange(width, dtype=torch.float64)
    near = (column - cx) * (2.0 - forward) < (23.5 - cx) * 2.0  # what the moved camera sees of the near surface
    exact = torch.where(near, 1 / (2.0 - forward), 1 / (1 / 0.42 - forward)).to(torch.float64)
    exact = exact.expand(1, 1, height, width).contiguous()
    ones = torch.ones_like(exact)
    view = SplatResult(torch.zeros_like(exact), exact, ones, ones, ones.bool(), "exact")

    def blended() -> int:
        row = resample_colour(view, colour, disparity, k, k, transform).features[0, 0, height // 2]
        return int(((row > 0.02) & (row < 0.98)).sum())

    assert blended() == 0
    monkeypatch.setattr(resample, "SILHOUETTE_TOLERANCE", resample.SAME_SURFACE_TOLERANCE)
    assert blended() >= 2


def test_holes_and_extra_channels_are_untouched():
    height, width = 32, 32
    k = default_intrinsics(height, width)
    u, v = _grid(height, width, torch.float64)
    features = torch.cat([_texture(u, v)[None], torch.rand(1, 2, height, width, dtype=torch.float64)], dim=1)
    disparity = torch.ones(1, 1, height, width, dtype=torch.float64)
    transform = sideways(0.08)  # a band at the right border is left empty
    splatted = splat(features, disparity, k, transform)
    resampled = resample_colour(splatted, features[:, :3], disparity, k, k, transform)
    assert (~splatted.valid).any()
    assert torch.equal(resampled.features[:, 3:], splatted.features[:, 3:])
    holes = (~splatted.valid).expand(-1, 3, -1, -1)
    assert torch.equal(resampled.features[:, :3][holes], splatted.features[:, :3][holes])


def test_magnified_texture_keeps_its_detail_in_the_cracks():
    """Flying at a textured wall magnifies it; the refiner's input shows the texture, not flat patches."""
    height, width = 48, 48
    k = default_intrinsics(height, width)
    u, v = _grid(height, width, torch.float64)
    source = _texture(u, v)[None]
    disparity = torch.ones(1, 1, height, width, dtype=torch.float64)
    forward = torch.eye(4, dtype=torch.float64)[None].clone()
    forward[0, 2, 3] = -0.3  # 0.3 closer to the wall at depth 1: magnified 1.43x
    cx, cy = float(k[0, 0, 2]), float(k[0, 1, 2])
    truth = _texture(cx + (u - cx) * 0.7, cy + (v - cy) * 0.7)[None]
    interpolated = fill_small_holes(splat(source, disparity, k, forward))
    rendered = render_for_refiner(source, disparity, k, forward)
    assert (~splat(source, disparity, k, forward).valid).float().mean() > 0.05  # there are cracks
    mask = rendered.valid.expand_as(truth)
    error_interpolated = (interpolated.features - truth).abs()[mask].mean()
    error_rendered = (rendered.features - truth).abs()[mask].mean()
    assert error_rendered < 0.5 * error_interpolated


def test_a_batch_resamples_each_image_from_its_own_source():
    height, width = 24, 28
    k = default_intrinsics(height, width).expand(2, -1, -1)
    u, v = _grid(height, width, torch.float64)
    sources = torch.cat([_texture(u, v)[None], _texture(v, u * 1.3)[None]])  # [2, 3, H, W]
    disparity = torch.stack([torch.full((1, height, width), 1.0), torch.full((1, height, width), 0.5)]).double()
    transform = torch.cat([sideways(0.013), sideways(-0.02)])
    together = render_for_refiner(sources, disparity, k, transform)
    for b in range(2):
        alone = render_for_refiner(sources[b:b + 1], disparity[b:b + 1], k[b:b + 1], transform[b:b + 1])
        torch.testing.assert_close(together.features[b:b + 1], alone.features)

