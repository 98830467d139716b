"""Non-learned hole filling (render/inpaint.py): pull-push colour, mirrored texture, axis neighbours."""

from __future__ import annotations

import pytest
import torch

from infinite_nature.render.inpaint import (
    _jump_flood, _nearest_known_jump_flood, axis_neighbours, continue_rows, copy_into_strips, interpolate_across,
    mirror_into_holes, nearest_known, open_to_side, pull_push,
)


def test_pull_push_keeps_known_pixels_and_fills_a_hole_from_its_sides(dtype):
    values = torch.zeros(1, 3, 48, 64, dtype=dtype)
    values[:, 0, :, :32] = 1.0  # red on the left
    values[:, 2, :, 32:] = 1.0  # blue on the right
    known = torch.ones(1, 1, 48, 64, dtype=torch.bool)
    known[..., 10:38, 12:52] = False  # a hole 40 px wide across both halves
    filled = pull_push(values, known)
    assert filled.dtype == dtype and torch.isfinite(filled).all()
    assert torch.equal(filled[known.expand_as(values)], values[known.expand_as(values)])
    left, right = filled[0, :, 24, 14], filled[0, :, 24, 49]
    assert left[0] > 0.8 and left[2] < 0.2  # next to red, red
    assert right[2] > 0.8 and right[0] < 0.2
    assert 0.2 < float(filled[0, 0, 24, 32]) < 0.8  # the middle blends both


def test_pull_push_fills_a_constant_image_with_the_constant_even_when_most_is_unknown():
    known = torch.zeros(2, 1, 33, 147, dtype=torch.bool)
    known[0, :, 3, 5] = True  # one pixel in a wide image: the coarsest cells far from it see nothing
    known[1, :, :, 140:] = True  # a turn: only the right edge is known
    filled = pull_push(torch.full((2, 2, 33, 147), 0.25), known)
    torch.testing.assert_close(filled, torch.full((2, 2, 33, 147), 0.25))


def test_interpolate_across_bridges_cracks_with_straight_lines(dtype):
    rows, columns = torch.meshgrid(torch.arange(40, dtype=dtype), torch.arange(50, dtype=dtype), indexing="ij")
    plane = torch.stack([0.01 * rows + 0.002 * columns, 1 - 0.02 * rows])[None]  # [1, 2, 40, 50], linear
    known = torch.ones(1, 1, 40, 50, dtype=torch.bool)
    known[..., 10:14, :] = False  # a crack of four missing rows, all the way across
    known[..., 25:27, 30:33] = False  # a small hole: gaps along both its rows and its columns
    known[..., 32, 5:25] = False  # twenty missing pixels along a row, bridged by the columns
    filled, found = interpolate_across(torch.where(known, plane, torch.zeros(())), known, max_gap=13)
    assert filled.dtype == dtype and bool(found.all())
    torch.testing.assert_close(filled, plane)  # a plane is linear along both axes: exact
    crack = torch.zeros_like(known)
    crack[..., 10:14, :] = True
    _, found = interpolate_across(plane, known, max_gap=13, targets=crack)  # only the crack is asked for
    assert bool(found[..., 10:14, :].all()) and not bool(found[..., 25:27, 30:33].any())
    wide = torch.ones(1, 1, 40, 50, dtype=torch.bool)
    wide[..., 5:25, 5:25] = False  # 20 px both ways: beyond max_gap
    _, found = interpolate_across(plane, wide, max_gap=13)
    assert not bool(found[..., 5:25, 5:25].any()) and bool(found[wide].all())


@pytest.mark.parametrize("search", [nearest_known, _nearest_known_jump_flood], ids=["device's", "jump flooding"])
def test_nearest_known_matches_a_brute_force_search(device, search):
    known = torch.rand(2, 1, 37, 53, device=device) > 0.97
    known[1] = False
    known[1, 0, 30, 4] = True  # one known pixel: everything's nearest
    found = search(known)  # [2, 2, H, W]
    assert found.dtype == torch.float32 and found.device == known.device
    rows, columns = torch.meshgrid(torch.arange(37, device=device), torch.arange(53, device=device), indexing="ij")
    here = torch.stack([rows, columns]).float()  # [2, H, W]
    for b in range(2):
        seeds = torch.stack(torch.nonzero(known[b, 0], as_tuple=True)).float()  # [2, N]
        best = ((here.flatten(1)[:, :, None] - seeds[:, None]) ** 2).sum(0).min(dim=1).values.view(37, 53)
        distance = ((found[b] - here) ** 2).sum(0)
        assert bool(known[b, 0][found[b, 0].long(), found[b, 1].long()].all())  # a known pixel each time
        assert float((distance.sqrt() - best.sqrt()).max()) < 1.5  # nearest, to within jump flooding's slack
        assert float((distance == best).float().mean()) > 0.97
    assert torch.equal(found[1, 0], torch.full((37, 53), 30.0, device=device))


@pytest.mark.parametrize("search", [nearest_known, _nearest_known_jump_flood], ids=["device's", "jump flooding"])
def test_nearest_known_of_an_image_with_nothing_known_is_far(search):
    known = torch.ones(2, 1, 8, 8, dtype=torch.bool)
    known[1] = False
    found = search(known)
    assert bool((found[1] >= 1e5).all()) and bool((found[0] < 8).all())


def test_a_hole_takes_the_texture_mirrored_across_its_border(dtype):
    columns = torch.arange(40, dtype=dtype).view(1, 1, 1, 40).expand(1, 1, 24, 40)
    values = torch.cat([columns, columns * 0 + 7.0], dim=1)  # channel 0: the column index
    known = torch.ones(1, 1, 24, 40, dtype=torch.bool)
    known[..., 30:] = False  # the right edge is new: the camera turned
    mirrored, found = mirror_into_holes(values, known)
    assert torch.equal(mirrored[known.expand_as(values)], values[known.expand_as(values)])
    # the pixel d columns into the hole shows the pixel d columns before its border (column 29)
    torch.testing.assert_close(mirrored[0, 0, 5, 30:], torch.tensor([28.0, 27, 26, 25, 24, 23, 22, 21, 20, 19], dtype=dtype))
    assert bool(found.all()) and bool((mirrored[:, 1] == 7.0).all())


def test_holes_whose_mirror_image_leaves_the_frame_are_not_found():
    known = torch.zeros(1, 1, 16, 16, dtype=torch.bool)
    known[..., :, :3] = True  # three known columns, a 13-column hole
    _, found = mirror_into_holes(torch.rand(1, 3, 16, 16), known)
    assert bool(found[..., :, 3:5].all())  # close to the border: mirrored from known pixels
    assert not bool(found[..., :, 6:].any())  # mirror images beyond column 0


def _brute_force_axis_neighbours(values: torch.Tensor, known: torch.Tensor):
    """Per pixel: the first known values met going both ways along the row, or along the
    column where that meets one sooner (ties go to the row, and so do pixels whose row meets
    a known pixel on one side only); None on a side that meets none."""
    _, _, height, width = known.shape
    k = known[0, 0]
    out = {}
    for y in range(height):
        for x in range(width):
            left = next((xx for xx in range(x, -1, -1) if k[y, xx]), None)
            right = next((xx for xx in range(x, width) if k[y, xx]), None)
            up = next((yy for yy in range(y, -1, -1) if k[yy, x]), None)
            down = next((yy for yy in range(y, height) if k[yy, x]), None)
            far = height + width
            row = min(x - left if left is not None else far, right - x if right is not None else far)
            column = min(y - up if up is not None else far, down - y if down is not None else far)
            side_strip = (left is None) != (right is None)
            if row <= column or side_strip:
                out[y, x] = tuple(None if xx is None else values[0, :, y, xx] for xx in (left, right))
            else:
                out[y, x] = tuple(None if yy is None else values[0, :, yy, x] for yy in (up, down))
    return out


def test_axis_neighbours_match_a_brute_force_search(device):
    generator = torch.Generator().manual_seed(0)
    known = torch.rand(1, 1, 9, 13, generator=generator) > 0.7
    known[..., 2, :] = False  # a row with nothing known: its pixels look along their columns
    known[..., :, 0] = False
    values = torch.rand(1, 2, 9, 13, generator=generator)
    (before, before_found), (after, after_found) = axis_neighbours(values.to(device), known.to(device))
    for (y, x), (want_before, want_after) in _brute_force_axis_neighbours(values, known).items():
        for got, found, want in ((before, before_found, want_before), (after, after_found, want_after)):
            assert bool(found[0, 0, y, x]) == (want is not None), (y, x)
            if want is not None:
                torch.testing.assert_close(got[0, :, y, x].cpu(), want)


def test_a_side_strip_is_bordered_along_its_rows_and_a_top_strip_along_its_columns():
    known = torch.zeros(1, 1, 12, 16, dtype=torch.bool)
    known[..., 3:, 4:] = True  # the view turned left (4 px strip) and climbed (3 px strip)
    labels = torch.zeros(1, 1, 12, 16, dtype=torch.bool)
    labels[..., 3:6, :] = True  # sky in rows 3-5, and a peak in columns 10-12 touching the top
    labels[..., 3:6, 10:13] = False
    (before, before_found), (after, after_found) = axis_neighbours(labels, known)
    assert torch.equal(before[known], labels[known]) and torch.equal(after[known], labels[known])
    assert bool(after[0, 0, 4, 0]) and not bool(after[0, 0, 8, 0]) and not bool(before_found[0, 0, 4, 0])
    assert bool(after[0, 0, 0, 8]) and not bool(after[0, 0, 0, 11])  # the peak goes on up, not sideways


def test_searching_only_round_the_unknown_pixels_finds_the_same_distances():
    """Jump flooding searches the box round the unknown pixels; the whole image gives the same distances."""
    known = torch.ones(2, 1, 30, 44, dtype=torch.bool)
    known[0, 0, 3:12, 30:41] = False  # a hole near the top right
    known[1, 0, :, :6] = False  # a strip at the left side, as a turn opens
    known[1, 0, 20, 25] = False
    rows, columns = torch.meshgrid(torch.arange(30), torch.arange(44), indexing="ij")
    here = torch.stack([rows, columns]).float()
    boxed, whole = _nearest_known_jump_flood(known), _jump_flood(known)
    torch.testing.assert_close(((boxed - here) ** 2).sum(dim=1), ((whole - here) ** 2).sum(dim=1))
    assert torch.equal(boxed[0, :, 20:, :], here[:, 20:, :])  # known pixels far from the hole: themselves
    for search in (nearest_known, _nearest_known_jump_flood):  # nothing unknown: every pixel is its own
        assert torch.equal(search(torch.ones(1, 1, 5, 5, dtype=torch.bool))[0], here[:, :5, :5])


def test_only_holes_reaching_the_frame_side_along_their_row_are_open_to_it():
    known = torch.ones(1, 1, 8, 20, dtype=torch.bool)
    known[..., 16:] = False  # a strip at the right side
    known[..., 0, :3] = False  # and one at the left, in the top row only
    known[..., 3:6, 6:10] = False  # a disocclusion inside the frame
    side = open_to_side(known)
    assert bool(side[..., 16:].all()) and bool(side[..., 0, :3].all())
    assert not bool(side[..., 3:6, 6:10].any()) and not bool(side[known].any())


def test_continue_rows_runs_each_row_on_and_shifts_its_texture_across(dtype):
    rows = torch.arange(10, dtype=dtype).view(1, 1, 10, 1).expand(1, 1, 10, 30)
    columns = torch.arange(30, dtype=dtype).view(1, 1, 1, 30).expand(1, 1, 10, 30)
    values = torch.cat([rows * 10 + 1, columns], dim=1)  # channel 0: constant along rows; 1: the column
    known = torch.ones(1, 1, 10, 30, dtype=torch.bool)
    known[..., 24:] = False  # the view turned: six new columns
    known[..., 7, :] = False  # and a row with nothing known
    colour, texture = continue_rows(values, known, sigma=0.1)  # too narrow to mix rows
    torch.testing.assert_close(colour[0, 0, :7, 24:], (rows[0, 0, :7, 24:] * 10 + 1))
    torch.testing.assert_close(colour[0, 1, 2, 24:], torch.full((6,), 23.0, dtype=dtype))  # the last known column
    # the strip shows the six columns before it, in their order (shifted, not mirrored)
    torch.testing.assert_close(texture[0, 1, 2, 24:], torch.tensor([18.0, 19, 20, 21, 22, 23], dtype=dtype))
    assert torch.equal(texture[known.expand_as(values)], values[known.expand_as(values)])
    assert 61 < float(colour[0, 0, 7, 26]) < 81  # the empty row takes the rows around it
    wide, _ = continue_rows(values, known, sigma=3.0)
    assert abs(float(wide[0, 0, 4, 26]) - 41.0) < 1.0 and float(wide[0, 0, 0, 26]) > 1.0  # smoothed down the columns


def test_continue_rows_takes_a_left_strip_s_texture_from_after_it_and_a_gap_s_from_before_it(dtype):
    values = torch.arange(20, dtype=dtype).view(1, 1, 1, 20).expand(1, 1, 2, 20).contiguous()
    known = torch.ones(1, 1, 2, 20, dtype=torch.bool)
    known[..., 0, :4] = False  # a strip at the left side
    known[..., 1, 10:13] = False  # a gap inside the row
    _, texture = continue_rows(values, known, sigma=0.1)
    torch.testing.assert_close(texture[0, 0, 0, :4], torch.tensor([4.0, 5, 6, 7], dtype=dtype))
    torch.testing.assert_close(texture[0, 0, 1, 10:13], torch.tensor([7.0, 8, 9], dtype=dtype))
    assert torch.equal(texture[known], values[known])


def _checks(height: int, width: int, dtype: torch.dtype) -> torch.Tensor:  # [1, 1, H, W]: 0.3 / 0.7, 2 px checks
    rows = torch.arange(height).view(-1, 1) // 2
    columns = torch.arange(width).view(1, -1) // 2
    return (0.3 + 0.4 * ((rows + columns) % 2)).to(dtype).view(1, 1, height, width)


def test_copy_into_strips_shows_the_view_shift_columns_further_in(dtype):
    values = _checks(12, 40, dtype)
    known = torch.ones(1, 1, 12, 40, dtype=torch.bool)
    known[..., :, 34:] = False  # a strip at the right side
    known[..., 3, :5] = False  # and one at the left side, in one row
    strips = ~known
    filled, found = copy_into_strips(values, known, strips, shift=8, decay=4.0)
    assert filled.dtype == dtype and torch.equal(found, strips)
    # the checks' smoothed colour is the same on both sides of each seam: the copy itself
    torch.testing.assert_close(filled[0, 0, :, 34:], values[0, 0, :, 26:32], atol=0.03, rtol=0)
    torch.testing.assert_close(filled[0, 0, 3, :5], values[0, 0, 3, 8:13], atol=0.03, rtol=0)
    assert float(filled[0, 0, :, 34:].std()) > 0.15  # the texture in two dimensions, not rows run on


def test_copy_into_strips_meets_the_colour_beside_the_strip_and_fades_to_the_copy(dtype):
    values = torch.full((1, 1, 4, 60), 0.3, dtype=dtype)
    values[..., 20:40] = 0.7  # the view beside the strip is lighter than what lies 30 columns further in
    known = torch.ones(1, 1, 4, 60, dtype=torch.bool)
    known[..., :20] = False  # a wide strip at the left side
    filled, found = copy_into_strips(values, known, ~known, shift=30, decay=3.0)
    assert bool(found[..., :20].all())
    torch.testing.assert_close(filled[..., 19], torch.full((1, 1, 4), 0.7, dtype=dtype))  # no seam
    assert abs(float(filled[0, 0, 1, 10]) - 0.3) < 0.02  # the copy of column 40 beyond the fade
    assert abs(float(filled[0, 0, 1, 0]) - 0.7) < 0.01  # and of column 30


def test_copy_into_strips_finds_nothing_where_the_source_is_not_known(dtype):
    values = _checks(6, 30, dtype)
    known = torch.ones(1, 1, 6, 30, dtype=torch.bool)
    known[..., :, 20:] = False  # a strip ten columns wide
    known[..., 2, :] = False  # a row with nothing known
    known[..., 4, 5:8] = False  # a gap the copy would read from
    _, found = copy_into_strips(values, known, ~known, shift=6, decay=4.0)
    assert not bool(found[..., 2, :].any())
    assert bool(found[..., 0, 20:].all())  # beyond the shift, a copy of the copy (two shifts in)
    assert not bool(found[..., 4, 11:14].any()) and bool(found[..., 4, 20:26].all())


def test_copy_into_strips_moves_with_the_view_as_a_turn_widens_the_strip(dtype):
    """A strip filled at one frame and the next, the view turned 3 px: the fill moves with the
    view (it does not swim), since the copy's shift is the same at every frame."""
    scene = torch.rand(1, 3, 16, 70, generator=torch.Generator().manual_seed(0), dtype=torch.float64).to(dtype)
    first, second = scene[..., 3:67], scene[..., 0:64]  # the second looks 3 px further left
    known_first = torch.ones(1, 1, 16, 64, dtype=torch.bool)
    known_first[..., :6] = False
    known_second = torch.ones(1, 1, 16, 64, dtype=torch.bool)
    known_second[..., :9] = False
    fill_first, _ = copy_into_strips(first, known_first, ~known_first, shift=20, decay=4.0)
    fill_second, _ = copy_into_strips(second, known_second, ~known_second, shift=20, decay=4.0)
    torch.testing.assert_close(fill_second[..., 3:9], fill_first[..., 0:6])
