"""Octaves of texture finer than the source, for surfaces magnified past it (render/detail_octaves.py)."""

import math

import torch

from infinite_nature.evaluate.metrics import sharpness
from infinite_nature.render.detail_octaves import FIRST_OCTAVE, DetailOctaves, octave_detail
from infinite_nature.render.fill import render_for_refiner
from infinite_nature.render.source_detail import SourceDetail
from tests.render.scenes import default_intrinsics

HEIGHT, WIDTH = 48, 64


def _grid(height: int = HEIGHT, width: int = WIDTH, step: float = 0.25) -> torch.Tensor:  # [M, 2] (x, y)
    y, x = torch.meshgrid(torch.arange(8, height - 8, step), torch.arange(8, width - 8, step), indexing="ij")
    return torch.stack([x.reshape(-1), y.reshape(-1)], dim=1)


def _noise(height: int = HEIGHT, width: int = WIDTH) -> torch.Tensor:  # [1, 3, H, W]
    return (0.5 + 0.2 * torch.randn(1, 3, height, width)).clamp(0, 1)


def _extent(points: torch.Tensor, x: float, y: float) -> torch.Tensor:  # [M, 2]
    return torch.tensor([x, y]).expand(points.shape[0], 2)


def test_nothing_is_added_at_a_finest_pixel_or_more_or_on_flat_colour():
    points = _grid()
    octaves = DetailOctaves.build(_noise())
    for extent in [(1.0, 1.0), (1.5, 3.0), (1.0, 2.0), (0.72, 0.72)]:  # 0.72: just short of FIRST_OCTAVE
        assert octave_detail(octaves, points, _extent(points, *extent)).abs().max() == 0
    assert octave_detail(octaves, points, _extent(points, 0.5, 0.25)).abs().mean() > 0.05
    flat = DetailOctaves.build(torch.full((1, 3, HEIGHT, WIDTH), 0.4))
    assert octave_detail(flat, points, _extent(points, 0.2, 0.2)).abs().max() < 1e-6


def test_layers_fade_in_continuously_as_the_footprint_shrinks():
    points = _grid()
    octaves = DetailOctaves.build(_noise())

    def size(extent: float) -> float:
        return float(octave_detail(octaves, points, _extent(points, extent, extent)).pow(2).mean().sqrt())

    sizes = [size(2.0 ** -(FIRST_OCTAVE + d)) for d in (0.01, 0.5, 1.0, 1.5, 2.0, 3.0)]
    assert sizes[0] < 0.02 * sizes[2]  # just past the first octave's start: next to nothing
    assert all(a < b for a, b in zip(sizes, sizes[1:]))  # each octave more

    def change(smaller: float) -> float:
        moved = octave_detail(octaves, points, _extent(points, 0.4, 0.4)) - octave_detail(octaves, points, _extent(points, smaller, smaller))
        return float(moved.pow(2).mean().sqrt())

    assert change(0.39) < 0.1 * sizes[2]  # no pop between neighbouring footprints:
    assert change(0.395) < 0.6 * change(0.39)  # half the step, about half the change


def test_an_octave_is_the_source_texture_shrunk_along_the_magnified_axis_only():
    """Stripes across y with a period of 4 source pixels come back with a period of 2 where the
    footprint is one octave past ``FIRST_OCTAVE`` along y, and along x nothing changes (it is not
    magnified there)."""
    y = torch.arange(HEIGHT, dtype=torch.float32)[:, None].expand(HEIGHT, WIDTH)
    x = torch.arange(WIDTH, dtype=torch.float32)[None].expand(HEIGHT, WIDTH)
    stripes = (0.5 + 0.3 * torch.sin(2 * math.pi * y / 4))[None, None].expand(1, 3, HEIGHT, WIDTH)
    column = torch.stack([torch.full((128,), 30.0), 8 + torch.arange(128) / 4], dim=1)  # [128, 2] down one column
    detail = octave_detail(DetailOctaves.build(stripes.contiguous()), column, _extent(column, 1.0, 2.0 ** -(FIRST_OCTAVE + 1)))[:, 0]
    spectrum = torch.fft.rfft(detail - detail.mean()).abs()
    frequencies = torch.fft.rfftfreq(128, d=0.25)  # cycles per source pixel
    assert abs(float(frequencies[spectrum.argmax()]) - 0.5) < 0.05  # period 2
    vertical_stripes = (0.5 + 0.3 * torch.sin(2 * math.pi * x / 4))[None, None].expand(1, 3, HEIGHT, WIDTH)
    row = column.flip(1)  # along a row, magnified along y only: the stripes keep their period 4
    along = octave_detail(DetailOctaves.build(vertical_stripes.contiguous()), row, _extent(row, 1.0, 2.0 ** -(FIRST_OCTAVE + 1)))[:, 0]
    spectrum = torch.fft.rfft(along - along.mean()).abs()
    assert abs(float(frequencies[spectrum.argmax()]) - 0.25) < 0.05


def test_the_texture_stays_where_the_source_has_texture():
    image = _noise()
    image[..., WIDTH // 2:] = 0.3  # the right half flat
    octaves = DetailOctaves.build(image)
    points = _grid()
    detail = octave_detail(octaves, points, _extent(points, 0.3, 0.3)).abs().mean(dim=1)
    left, right = detail[points[:, 0] < WIDTH // 2 - 6].mean(), detail[points[:, 0] > WIDTH // 2 + 6].mean()
    assert right < 0.05 * left


def test_a_render_that_magnifies_the_source_gains_its_octaves():
    """Moved towards a textured wall, the render is sharper with the octaves than without, and
    unchanged where it does not magnify (no move)."""
    image = _noise()
    disparity = torch.full((1, 1, HEIGHT, WIDTH), 0.5)
    features = torch.cat([image, torch.zeros(1, 1, HEIGHT, WIDTH)], dim=1)
    intrinsics = default_intrinsics(HEIGHT, WIDTH).float()
    renders = {}
    for distance in (0.0, 1.5):  # 1.5: magnified 4x
        transform = torch.eye(4)[None].clone()
        transform[0, 2, 3] = -distance
        for name, detail in (("plain", None), ("octaves", SourceDetail.octaves_only(image))):
            rendered = render_for_refiner(features, disparity, intrinsics, transform, intrinsics, detail)
            renders[name, distance] = rendered.features[:, :3, 12:-12, 16:-16]
    assert torch.equal(renders["plain", 0.0], renders["octaves", 0.0])
    assert sharpness(renders["octaves", 1.5]) > 1.5 * sharpness(renders["plain", 1.5])
