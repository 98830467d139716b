"""What the refiner's output may change in a splatted view: only the holes, and there only
within a leeway of the surroundings' colour (render/fill.py)."""

from __future__ import annotations

import pytest
import torch

from infinite_nature.geometry import intrinsics_from_fov
from infinite_nature.render.fill import (
    COLOUR_LEEWAY, SIDE_STRIP_SHIFT, cover_magnified, keep_rendered, render_for_refiner,
)
from infinite_nature.render.splatting import SplatResult, splat


def _splat_with_hole(rendered: torch.Tensor) -> tuple[SplatResult, torch.Tensor]:  # rendered [1, 3, 64, 64]
    valid = torch.ones(1, 1, 64, 64, dtype=torch.bool)
    valid[..., 20:44, 20:44] = False  # a disocclusion too large for the small-hole interpolation
    features = torch.where(valid, torch.cat([rendered, torch.zeros(1, 1, 64, 64)], dim=1), torch.zeros(()))
    disparity = torch.where(valid, torch.full((1, 1, 64, 64), 0.3), torch.zeros(()))
    return SplatResult(features, disparity, valid.float(), valid.float(), valid, "torch"), valid


def _stripes() -> torch.Tensor:  # [1, 3, 64, 64]: grey with fine vertical stripes (period 4 px)
    u = torch.arange(64, dtype=torch.float32).view(1, 1, 1, 64).expand(1, 3, 64, 64)
    return 0.5 + 0.1 * torch.sin(u * torch.pi / 2)


def test_a_fill_of_a_colour_the_scene_lacks_takes_the_surroundings_colour_and_texture():
    splatted, valid = _splat_with_hole(_stripes())
    teal = torch.tensor([0.05, 0.45, 0.45]).view(1, 3, 1, 1).expand(1, 3, 64, 64)  # what the refiner says
    rgb, disparity, keep = keep_rendered(teal, torch.full((1, 1, 64, 64), 0.2), splatted, torch.zeros_like(valid))
    hole = rgb[0, :, 24:40, 24:40]
    assert (hole.mean(dim=(1, 2)) - 0.5).abs().max() <= COLOUR_LEEWAY + 0.01  # not teal
    assert float(rgb[0, 0, 32, 21:27].std()) > 0.04  # the stripes continue into the hole
    far_from_hole = ~torch.nn.functional.max_pool2d((~valid).float(), 9, stride=1, padding=4).bool()
    outside = far_from_hole.expand_as(rgb)
    torch.testing.assert_close(rgb[outside], _stripes()[outside], atol=1e-6, rtol=0)
    assert float(keep[0, 0, 30, 30]) == 0.0
    # the refiner says 0.2; the hole takes its surroundings' disparity (the refiner's comes in blocks)
    torch.testing.assert_close(disparity[0, 0, 20:44, 20:44], torch.full((24, 24), 0.3))


def test_a_side_strip_keeps_the_refiners_disparity():
    splatted, _ = _splat_with_hole(_stripes())
    valid = splatted.valid.clone()
    valid[..., 48:] = False  # a strip a turn opened at the frame's right side
    strip = SplatResult(splatted.features * valid, splatted.disparity * valid, valid.float(), valid.float(), valid,
                        "torch")
    refined_disparity = torch.full((1, 1, 64, 64), 0.2)
    _, disparity, _ = keep_rendered(_stripes(), refined_disparity, strip, torch.zeros_like(valid))
    torch.testing.assert_close(disparity[0, 0, :, 52:], torch.full((64, 12), 0.2))
    torch.testing.assert_close(disparity[0, 0, 24:40, 24:40], torch.full((16, 16), 0.3))


def test_a_fill_close_to_the_surroundings_colour_is_left_alone():
    splatted, valid = _splat_with_hole(torch.full((1, 3, 64, 64), 0.5))
    near = torch.full((1, 3, 64, 64), 0.5 + COLOUR_LEEWAY / 2)
    rgb, _, _ = keep_rendered(near, torch.full((1, 1, 64, 64), 0.2), splatted, torch.zeros_like(valid))
    torch.testing.assert_close(rgb[0, :, 30, 30], torch.full((3,), 0.5 + COLOUR_LEEWAY / 2), atol=2e-3, rtol=0)


def test_the_refiner_may_make_a_hole_lighter_or_darker_but_not_tint_it():
    splatted, valid = _splat_with_hole(torch.full((1, 3, 64, 64), 0.5))
    bluish = torch.tensor([0.47, 0.52, 0.53]).view(1, 3, 1, 1).expand(1, 3, 64, 64)  # 0.007 lighter on average
    rgb, _, _ = keep_rendered(bluish, torch.full((1, 1, 64, 64), 0.2), splatted, torch.zeros_like(valid))
    torch.testing.assert_close(rgb[0, :, 30, 30], torch.full((3,), 0.5 + 0.02 / 3), atol=1e-4, rtol=0)
    darker = torch.full((1, 3, 64, 64), 0.3)
    rgb, _, _ = keep_rendered(darker, torch.full((1, 1, 64, 64), 0.2), splatted, torch.zeros_like(valid))
    torch.testing.assert_close(rgb[0, :, 30, 30], torch.full((3,), 0.5 - COLOUR_LEEWAY), atol=1e-4, rtol=0)


def test_ground_holes_take_the_ground_colour_not_the_sky_beside_them():
    """Sky carried into ground fills would build up as haze over a long flight."""
    rendered = torch.empty(1, 3, 64, 64)
    rendered[:, :, :32] = torch.tensor([0.5, 0.7, 1.0]).view(1, 3, 1, 1)  # sky above row 32
    rendered[:, :, 32:] = torch.tensor([0.3, 0.4, 0.1]).view(1, 3, 1, 1)
    splatted, valid = _splat_with_hole(rendered)
    sky = torch.zeros_like(valid)
    sky[..., :32, :] = True
    ground_colour = rendered[0, :, 40, 0]
    rgb, _, _ = keep_rendered(ground_colour.view(1, 3, 1, 1).expand(1, 3, 64, 64), torch.full((1, 1, 64, 64), 0.2),
                              splatted, sky)
    torch.testing.assert_close(rgb[0, :, 22:42, 24:40].mean(dim=(1, 2)), ground_colour, atol=0.01, rtol=0)
    everything_sky = keep_rendered(rendered, torch.full((1, 1, 64, 64), 0.2), splatted, valid)[0]
    assert torch.isfinite(everything_sky).all() and float(everything_sky[0, 2, 30, 30]) > 0.5  # no black fill


def test_the_feather_stays_on_the_rendered_side_of_a_hole_border():
    """A hole's rendered colour is black: a feather reaching past the border drew a dark line."""
    splatted, valid = _splat_with_hole(torch.full((1, 3, 64, 64), 0.5))
    rgb, disparity, keep = keep_rendered(torch.full((1, 3, 64, 64), 0.5), torch.full((1, 1, 64, 64), 0.3),
                                         splatted, torch.zeros_like(valid))
    assert float(keep[~valid].max()) == 0.0
    torch.testing.assert_close(rgb, torch.full_like(rgb, 0.5), atol=1e-4, rtol=0)  # no line round the hole
    torch.testing.assert_close(disparity, torch.full_like(disparity, 0.3), atol=1e-4, rtol=0)


def test_glints_beside_a_hole_keep_their_brightness():
    """The hole's mirrored texture is for the hole: added to the rendered pixels of the
    feather too (with the refiner's brightness taken against their unblurred colour), it
    sharpened them, and a photo's glints along a turn's side strip flew as a line of bright
    dots."""
    glints = torch.full((1, 3, 64, 64), 0.3)
    glints[..., ::4, ::4] = 0.9
    splatted, valid = _splat_with_hole(glints)
    rgb, _, _ = keep_rendered(glints, torch.full((1, 1, 64, 64), 0.3), splatted, torch.zeros_like(valid))
    rendered = valid.expand_as(rgb)
    assert float((rgb - glints)[rendered].abs().max()) < 0.01  # the old composite: 0.07 brighter at the border


def test_magnified_ground_reads_its_rows_in_order_without_repeats():
    """Flying low over the ground magnifies it several times along the rows, leaving cracks of
    whole missing rows. Filled from the nearest rows, their disparity stepped and the colour
    read back at it repeated source rows: stripes that each new anchor magnified further."""
    size = 64
    k = intrinsics_from_fov(60.0, size, size)
    focal, centre = float(k[0, 0, 0]), float(k[0, 1, 2])
    rows = torch.arange(size, dtype=torch.float32).view(1, 1, size, 1).expand(1, 1, size, size)
    disparity = ((rows - centre) / focal).clamp_min(0.01)  # ground one unit below, far plane above the horizon
    colour = (rows / size).expand(1, 3, size, size).contiguous()  # a ramp down the rows
    forward = torch.eye(4)[None]
    forward[0, 2, 3] = -1.2  # 1.2 units forward: the nearest ground magnified about 4 times
    out = render_for_refiner(colour, disparity, k, forward)
    image, valid = out.features[0, 0], out.valid[0, 0]
    steps = image[1:] - image[:-1]  # down each column
    judged = valid[1:] & valid[:-1] & (rows[0, 0, 1:] > centre + 4)
    judged[:, :8] = judged[:, -8:] = False  # away from the sides
    assert int(judged.sum()) > 500
    stalls = (steps < 0.25 * steps[judged].median()) & judged  # a source row read again
    assert float(stalls.sum() / judged.sum()) < 0.01  # 0.037 with the nearest-row fill


def test_a_strip_at_the_side_continues_the_bands_beside_it():
    """A turn opens a strip at the frame's side: a light band of far hills between darker
    ground runs on across it, row by row (a fill in two dimensions blended the band with
    the ground above and below into a block of neither)."""
    rendered = torch.full((1, 3, 64, 64), 0.2)
    rendered[:, :, 24:32] = 0.8  # eight rows of light hills
    valid = torch.ones(1, 1, 64, 64, dtype=torch.bool)
    valid[..., 44:] = False  # the strip a turn opened at the right side
    features = torch.where(valid, torch.cat([rendered, torch.zeros(1, 1, 64, 64)], dim=1), torch.zeros(()))
    disparity = torch.where(valid, torch.full((1, 1, 64, 64), 0.3), torch.zeros(()))
    splatted = SplatResult(features, disparity, valid.float(), valid.float(), valid, "torch")
    grey = torch.full((1, 3, 64, 64), 0.5)  # what the refiner says
    rgb, _, _ = keep_rendered(grey, torch.full((1, 1, 64, 64), 0.2), splatted, torch.zeros_like(valid))
    band, below = rgb[0, :, 25:31, 46:], rgb[0, :, 36:60, 46:]
    assert float(band.min()) > 0.8 - 0.1 and float(below.max()) < 0.2 + 0.1
    assert float(band.std(dim=-1).max()) < 0.02  # one colour along each row, no mirrored bars


def test_a_wide_side_strip_shows_the_view_beside_it_in_two_dimensions_not_streaks():
    """A trunk standing 14-18 columns inside a ragged strip's border stays one upright line in
    the strip: continued rows shifted each row by its own width and hatched it."""
    rendered = torch.full((1, 3, 64, 64), 0.5)
    rendered[..., 30:32] = 0.1  # a dark trunk, upright
    valid = torch.ones(1, 1, 64, 64, dtype=torch.bool)
    for row in range(64):
        valid[..., row, 44 + row % 5:] = False  # a turn's strip at the right side, its border ragged
    features = torch.where(valid, torch.cat([rendered, torch.zeros(1, 1, 64, 64)], dim=1), torch.zeros(()))
    disparity = torch.where(valid, torch.full((1, 1, 64, 64), 0.3), torch.zeros(()))
    splatted = SplatResult(features, disparity, valid.float(), valid.float(), valid, "torch")
    rgb, _, _ = keep_rendered(rendered, torch.full((1, 1, 64, 64), 0.3), splatted, torch.zeros_like(valid))
    shift = round(SIDE_STRIP_SHIFT * 64)
    strip = rgb[0, 0, :, 49:]  # every row's strip from here on
    darkest = strip.argmin(dim=-1) + 49  # [64]: the trunk's column in each row
    assert bool(((darkest == 30 + shift) | (darkest == 31 + shift)).all()), darkest
    assert float(strip.min(dim=-1).values.max()) < 0.3


def test_a_side_strip_draws_no_line_where_a_dark_shore_reaches_further_than_the_water_above():
    """The built-in example's island reaches further into the frame than the light water above
    it, so a strip the turn opens beside them continues the island's rows from nearer columns
    than the water's. The strip's texture is what a blur of the mirrored rows leaves out; in
    two dimensions that blur mixed the water into the island's top rows, and the strip showed a
    near-black line along the island's top; along the rows, it leaves an edge alone."""
    rendered = torch.full((1, 3, 64, 64), 0.2)  # the dark island below row 30
    rendered[:, :, :30] = 0.45  # light water above it
    valid = torch.ones(1, 1, 64, 64, dtype=torch.bool)
    valid[..., :30, 40:] = False  # the water reaches column 40
    valid[..., 30:, 48:] = False  # the island column 48
    features = torch.where(valid, torch.cat([rendered, torch.zeros(1, 1, 64, 64)], dim=1), torch.zeros(()))
    disparity = torch.where(valid, torch.full((1, 1, 64, 64), 0.3), torch.zeros(()))
    splatted = SplatResult(features, disparity, valid.float(), valid.float(), valid, "torch")
    rgb, _, _ = keep_rendered(rendered, torch.full((1, 1, 64, 64), 0.3), splatted, torch.zeros_like(valid))
    strip = rgb[0, :, 20:40, 50:]
    assert float(strip.min()) > 0.2 - 0.02, float(strip.min())  # nothing darker than the island
    assert float(strip.max()) < 0.45 + 0.02, float(strip.max())  # nor lighter than the water


def test_a_side_strip_and_the_rendered_pixels_beside_it_take_none_of_the_refiners_colour():
    """The refiner's colour (a teal cast on the built-in example's dark island) showed as a
    block in the strip, and, held by the feather on the rendered side, as a dark line along
    the strip's edge."""
    valid = torch.ones(1, 1, 64, 64, dtype=torch.bool)
    valid[..., 44:] = False
    features = torch.where(valid, torch.full((1, 4, 64, 64), 0.35), torch.zeros(()))
    disparity = torch.where(valid, torch.full((1, 1, 64, 64), 0.3), torch.zeros(()))
    splatted = SplatResult(features, disparity, valid.float(), valid.float(), valid, "torch")
    darker = torch.full((1, 3, 64, 64), 0.2)  # what the refiner says
    rgb, _, _ = keep_rendered(darker, torch.full((1, 1, 64, 64), 0.3), splatted, torch.zeros_like(valid))
    torch.testing.assert_close(rgb[0, :, :, 36:], torch.full((3, 64, 28), 0.35), atol=1e-4, rtol=0)


@pytest.mark.parametrize("magnification", [4.0, 5.26, 6.67])
def test_a_surface_magnified_several_times_stays_whole(magnification):
    """Magnified m times, a wall's points land m px apart: at splat's 1:1 coverage threshold
    only the pixels a point hits squarely were valid (none at 4x), and the beat between the
    points and the pixels left stretches of hole the small-hole fill cannot close."""
    rgb = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    disparity = torch.full((1, 1, 64, 64), 0.5)  # a wall 2 units away
    k = intrinsics_from_fov(60.0, 64, 64)
    transform = torch.eye(4)[None]
    transform[0, 2, 3] = -(2.0 - 2.0 / magnification)  # fly towards it
    assert float(splat(rgb, disparity, k, transform).valid.float().mean()) < 0.05
    assert bool(render_for_refiner(rgb, disparity, k, transform).valid.all())


def test_at_one_to_one_the_magnified_cover_changes_nothing_but_a_few_border_pixels():
    disparity = torch.full((1, 1, 64, 64), 0.1)
    disparity[..., 20:44, 20:44] = 0.6  # a near block before a far wall
    k = intrinsics_from_fov(60.0, 64, 64)
    transform = torch.eye(4)[None]
    transform[0, 0, 3] = 0.15  # a step sideways: the block uncovers the wall beside it
    splatted = splat(torch.rand(1, 3, 64, 64), disparity, k, transform)
    assert float((~splatted.valid).float().mean()) > 0.03  # a real disocclusion
    changed = cover_magnified(splatted).valid ^ splatted.valid
    assert float(changed.float().mean()) < 0.005
