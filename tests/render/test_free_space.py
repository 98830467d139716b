"""No fill in the space a source view saw through (render/free_space.py, render/fill.py)."""

from __future__ import annotations

import torch

from infinite_nature.disparity import DISPARITY_MIN
from infinite_nature.geometry import intrinsics_from_fov
from infinite_nature.render.fill import keep_rendered, render_for_refiner
from infinite_nature.render.free_space import SourceView, carve_free_space

SIZE, RISE = 64, 0.4


def _wall_before_far_ground():
    """A near wall (depth 1, brown) across the lower half of the view and far ground (depth 10,
    blue) above it, seen again from ``RISE`` units higher: a band behind the wall's top opens."""
    intrinsics = intrinsics_from_fov(60.0, SIZE, SIZE)
    wall = torch.arange(SIZE).view(1, 1, SIZE, 1).expand(1, 1, SIZE, SIZE) >= SIZE // 2
    disparity = torch.where(wall, 1.0, 0.1)
    rgb = torch.where(wall, torch.tensor([0.5, 0.3, 0.1]).view(1, 3, 1, 1), torch.tensor([0.1, 0.3, 0.6]).view(1, 3, 1, 1))
    transform = torch.eye(4)[None].clone()
    transform[0, 1, 3] = RISE  # the camera moved up (y points down), so the scene moves down in it
    return rgb, disparity, intrinsics, transform


def test_a_fill_in_space_the_source_saw_through_moves_back_to_what_it_could_not_see():
    _, disparity, intrinsics, transform = _wall_before_far_ground()
    focal, centre = float(intrinsics[0, 1, 1]), float(intrinsics[0, 1, 2])
    holes = torch.zeros(1, 1, SIZE, SIZE, dtype=torch.bool)
    holes[..., 40:48, 20:40] = True  # above the wall's top as seen from higher up: the source saw far ground there
    fill = torch.full((1, 1, SIZE, SIZE), 1.0)  # the wall's disparity, as its surroundings would give it
    fill[..., 44:48, 20:30] = 0.05  # already beyond what the source saw: left alone
    carved = carve_free_space(fill, holes, SourceView(disparity, intrinsics, transform, intrinsics))
    for row in range(40, 44):  # nearest unseen: behind the wall's top edge, at disparity (v - c) / (RISE f)
        boundary = (row - centre) / (RISE * focal)  # give or take the pixel an edge is allowed
        values = carved[0, 0, row, 20:40]
        assert bool((values <= (row - centre + 1) / (RISE * focal)).all()), (row, boundary, values)
        assert bool((values > 0.7 * boundary).all()), (row, boundary, values)
    torch.testing.assert_close(carved[..., 44:48, 20:30], torch.full((1, 1, 4, 10), 0.05))
    torch.testing.assert_close(carved[~holes], fill[~holes])  # only holes move
    floor = torch.full_like(fill, 0.3)  # a plane nothing shows through: no hole beyond it
    bounded = carve_free_space(fill, holes, SourceView(disparity, intrinsics, transform, intrinsics, floor))
    torch.testing.assert_close(bounded[holes], torch.maximum(carved, floor)[holes])
    everywhere = torch.ones_like(holes)
    sky = carve_free_space(fill, everywhere, SourceView(torch.full_like(disparity, DISPARITY_MIN), intrinsics,
                                                        torch.eye(4)[None], intrinsics))
    torch.testing.assert_close(sky, torch.full_like(sky, DISPARITY_MIN))  # the source saw sky all through


def test_the_band_a_climb_opens_behind_a_wall_lies_beyond_it_not_on_it():
    """The band runs across the frame, so it is a strip open to the frame's sides, where fills
    keep the refiner's disparity: here the wall's, carried up into the band (validation world
    6012's crest, where the band became a near wall that flew along with the camera)."""
    rgb, disparity, intrinsics, transform = _wall_before_far_ground()
    splatted = render_for_refiner(rgb, disparity, intrinsics, transform, intrinsics)
    band = ~splatted.valid
    assert int(band.sum()) > 200  # the band opened, too wide for the small-hole interpolation
    refined, refined_disparity = torch.full((1, 3, SIZE, SIZE), 0.4), torch.ones(1, 1, SIZE, SIZE)
    no_sky = torch.zeros_like(band)
    carved = keep_rendered(refined, refined_disparity, splatted, no_sky,
                           seen_from=SourceView(disparity, intrinsics, transform, intrinsics))
    kept = keep_rendered(refined, refined_disparity, splatted, no_sky)
    focal, centre = float(intrinsics[0, 1, 1]), float(intrinsics[0, 1, 2])
    rows = torch.arange(SIZE, dtype=torch.float32).view(1, 1, SIZE, 1).expand_as(band)
    unseen = (rows - centre + 1) / (RISE * focal)  # the nearest the space behind the wall's top can be, per row
    seen_through = band & (unseen < 0.5)  # the band's upper half
    assert bool((kept[1] > unseen)[seen_through].all())  # without: the wall runs on up into the band
    assert bool((carved[1] <= unseen)[band].all())  # with: no nearer than what the source could not see
