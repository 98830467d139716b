"""A photo's finer pixels read where a render magnifies it (render/source_detail.py)."""

import math

import pytest
import torch
import torch.nn.functional as F

from infinite_nature.evaluate.metrics import sharpness
from infinite_nature.render.fill import render_for_refiner
from infinite_nature.render.resample import finer_view
from infinite_nature.render.source_detail import SourceDetail, detail_factor, footprint_axes, sample_detail
from tests.render.scenes import default_intrinsics, sideways

HEIGHT, WIDTH, FACTOR = 40, 48, 2


def _fine_texture(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:  # [...] working-pixel coordinates -> [3, ...]
    """Detail at about a working pixel's period: the working image's box average keeps little of it."""
    return torch.stack([
        0.5 + 0.35 * torch.sin(2 * math.pi * x / 1.3),
        0.5 + 0.35 * torch.cos(2 * math.pi * y / 1.45),
        0.5 + 0.2 * torch.sin(2 * math.pi * (x + y) / 1.7),
    ])


def _photo() -> tuple[torch.Tensor, torch.Tensor]:  # working image [1, 3, H, W], fine image [1, 3, kH, kW]
    j, i = torch.meshgrid(torch.arange(FACTOR * HEIGHT, dtype=torch.float64),
                          torch.arange(FACTOR * WIDTH, dtype=torch.float64), indexing="ij")
    fine = _fine_texture((i - (FACTOR - 1) / 2) / FACTOR, (j - (FACTOR - 1) / 2) / FACTOR)[None]
    return F.avg_pool2d(fine, FACTOR), fine


def _forward(distance: float) -> torch.Tensor:
    transform = torch.eye(4, dtype=torch.float64)[None].clone()
    transform[0, 2, 3] = -distance
    return transform


@pytest.mark.parametrize(("source", "working", "factor"), [
    ((341, 512), (176, 256), 2),  # 1.94 pixels a working pixel: enlarged 3% to 2x
    ((384, 512), (192, 256), 2),
    ((3000, 4000), (192, 256), 4),  # more than 4x: capped
    ((200, 256), (192, 256), 1),  # no finer pixels
    ((600, 1024), (144, 256), 4),
    ((300, 400), (192, 256), 1),  # 1.56x: not enough for 2
    ((2000, 2000), (256, 256), 4),  # 1.05 MP
    ((3000, 4000), (384, 512), 2),  # 4x would be 3.1 MP
    ((3000, 4000), (768, 1024), 1),  # 2x would be 3.1 MP
])
def test_detail_factor(source, working, factor):
    assert detail_factor(*source, *working) == factor


def test_build_takes_only_powers_of_two_of_the_working_size():
    disparity = torch.ones(1, 1, 10, 12)
    for size in [(30, 36), (20, 25), (10, 12)]:
        with pytest.raises(ValueError, match="power of two"):
            SourceDetail.build(torch.rand(1, 3, *size), disparity)
    detail = SourceDetail.build(torch.rand(1, 3, 40, 48), disparity)
    assert detail.factor == 4 and detail.sizes == [(40, 48), (20, 24)]


def test_footprint_axes_of_a_magnification():
    v, u = torch.meshgrid(torch.arange(5.0), torch.arange(6.0), indexing="ij")
    uv = torch.stack([10 + 0.5 * u, 3 + 0.25 * v], dim=-1)  # 2x wider, 4x taller in the target
    uv[2, 3] = float("nan")  # a pixel not resampled: its neighbours use their other side
    uv[4, 5] = torch.tensor([100.0, 100.0])  # another surface: no step to it
    axis_x, axis_y = footprint_axes(uv)
    torch.testing.assert_close(axis_x[0, 0], torch.tensor([0.5, 0.0]))
    torch.testing.assert_close(axis_x[2, 4], torch.tensor([0.5, 0.0]))
    torch.testing.assert_close(axis_y[1, 3], torch.tensor([0.0, 0.25]))
    assert axis_x[4, 5].isnan().all() and axis_y[4, 5].isnan().all()


def test_a_magnified_view_shows_the_finer_pixels():
    """Flying 0.45 of the way to a wall magnifies it 1.8x: read from the working image the detail
    is gone (its box average flattened it), read from the finer pixels it is there and in the
    right place."""
    working, fine = _photo()
    k = default_intrinsics(HEIGHT, WIDTH)
    disparity = torch.ones(1, 1, HEIGHT, WIDTH, dtype=torch.float64)
    transform = _forward(0.45)
    plain = render_for_refiner(working, disparity, k, transform)
    detailed = render_for_refiner(working, disparity, k, transform, detail=SourceDetail.build(fine, disparity))
    v, u = torch.meshgrid(torch.arange(HEIGHT, dtype=torch.float64), torch.arange(WIDTH, dtype=torch.float64),
                          indexing="ij")
    cx, cy = float(k[0, 0, 2]), float(k[0, 1, 2])
    truth = _fine_texture(cx + (u - cx) * 0.55, cy + (v - cy) * 0.55)[None]
    assert plain.valid.all()
    error_plain = (plain.features - truth).abs().mean()
    error_detailed = (detailed.features - truth).abs().mean()
    assert error_detailed < 0.6 * error_plain
    assert sharpness(detailed.features) > 5 * sharpness(plain.features)
    assert torch.equal(detailed.valid, plain.valid)


@pytest.mark.parametrize("transform", [sideways(0.02), _forward(-0.3)], ids=["sideways", "away"])
def test_a_view_that_does_not_magnify_reads_only_the_working_image(transform):
    working, fine = _photo()
    k = default_intrinsics(HEIGHT, WIDTH)
    disparity = torch.ones(1, 1, HEIGHT, WIDTH, dtype=torch.float64)
    plain = render_for_refiner(working, disparity, k, transform)
    detailed = render_for_refiner(working, disparity, k, transform, detail=SourceDetail.build(fine, disparity))
    torch.testing.assert_close(detailed.features, plain.features, atol=1e-4, rtol=0)


def test_finer_pixels_of_another_surface_are_not_read():
    """A near square in front of a far wall, flown towards: near the square's edge the finer
    levels must not mix in the wall's colour."""
    working, fine = torch.zeros(1, 3, HEIGHT, WIDTH, dtype=torch.float64), torch.zeros(1, 3, 2 * HEIGHT, 2 * WIDTH,
                                                                                        dtype=torch.float64)
    disparity = torch.full((1, 1, HEIGHT, WIDTH), 0.2, dtype=torch.float64)
    disparity[..., 10:30, 12:36] = 1.0
    working[..., 10:30, 12:36] = 1.0
    fine[..., 20:60, 24:72] = 1.0
    k = default_intrinsics(HEIGHT, WIDTH)
    rendered = render_for_refiner(working, disparity, k, _forward(0.3), detail=SourceDetail.build(fine, disparity))
    near = rendered.valid & (rendered.disparity > 0.6)
    assert near.sum() > 100
    assert rendered.features[:, :1][near].min() > 0.95


def test_a_batch_with_detail_is_refused():
    k = default_intrinsics(8, 8).expand(2, -1, -1)
    disparity = torch.ones(2, 1, 8, 8, dtype=torch.float64)
    detail = SourceDetail.build(torch.rand(1, 3, 16, 16, dtype=torch.float64), disparity[:1])
    with pytest.raises(ValueError, match="one image at a time"):
        render_for_refiner(torch.rand(2, 3, 8, 8, dtype=torch.float64), disparity, k,
                           torch.cat([_forward(0.2)] * 2), detail=detail)


def test_a_new_anchor_keeps_the_finer_pixels_and_agrees_with_its_view():
    """``finer_view``: a view rendered from a photo, at the photo's finer factor, closer to the
    truth than the view upsampled, and averaging back to the view exactly."""
    working, fine = _photo()
    k = default_intrinsics(HEIGHT, WIDTH)
    disparity = torch.ones(1, 1, HEIGHT, WIDTH, dtype=torch.float64)
    transform = _forward(0.2)  # 1.25x
    detail = SourceDetail.build(fine, disparity)
    view = render_for_refiner(working, disparity, k, transform, detail=detail)
    assert view.valid.all()
    finer = finer_view(view.features, view.disparity, view.valid, k, working, disparity, k, transform, detail)
    assert finer.shape == fine.shape
    torch.testing.assert_close(F.avg_pool2d(finer, FACTOR), view.features)
    j, i = torch.meshgrid(torch.arange(FACTOR * HEIGHT, dtype=torch.float64),
                          torch.arange(FACTOR * WIDTH, dtype=torch.float64), indexing="ij")
    x, y = (i - (FACTOR - 1) / 2) / FACTOR, (j - (FACTOR - 1) / 2) / FACTOR  # working-pixel coordinates
    cx, cy = float(k[0, 0, 2]), float(k[0, 1, 2])
    truth = _fine_texture(cx + (x - cx) * 0.8, cy + (y - cy) * 0.8)[None]
    upsampled = F.interpolate(view.features, scale_factor=FACTOR, mode="bilinear", align_corners=False)
    inner = (slice(None), slice(None), slice(8, -8), slice(8, -8))
    assert (finer - truth)[inner].abs().mean() < 0.6 * (upsampled - truth)[inner].abs().mean()


def test_finer_levels_read_only_the_expected_surface():
    """A point of a near surface whose finer taps straddle its edge with a far one takes none of
    the far one's colour."""
    from infinite_nature.render.resample import MIN_SAME_SURFACE_WEIGHT, SAME_SURFACE_TOLERANCE, _sample_table

    def sample(table, height, width, uv, expected):  # the kernel resample_colour reads finer levels with
        return _sample_table(table, height, width, torch.zeros_like(expected, dtype=torch.long), uv, expected,
                             SAME_SURFACE_TOLERANCE, None)

    disparity = torch.full((1, 1, 8, 8), 0.2, dtype=torch.float64)
    disparity[..., :4] = 1.0  # near on the left
    fine = torch.zeros(1, 3, 16, 16, dtype=torch.float64)
    fine[..., :8] = 1.0  # white near surface, black far one
    detail = SourceDetail.build(fine, disparity)
    uv = torch.tensor([[3.45, 4.0]], dtype=torch.float64)  # finest level: u = 7.4, 0.6 on column 7 (near), 0.4 on 8 (far)
    axis_x, axis_y = torch.tensor([[0.3, 0.0]], dtype=torch.float64), torch.tensor([[0.0, 0.3]], dtype=torch.float64)
    colour, share = sample_detail(detail, uv, axis_x, axis_y, torch.tensor([1.0], dtype=torch.float64), sample,
                                  MIN_SAME_SURFACE_WEIGHT)
    assert share.item() == pytest.approx(1.0)
    torch.testing.assert_close(colour, torch.ones(1, 3, dtype=torch.float64))
