"""The sky dome's helpers (render/sky_dome.py): angles round the dome, the observed sky carried round it."""

from __future__ import annotations

import math

import torch

from infinite_nature.render.inpaint import nearest_known_along
from infinite_nature.render.sky_dome import CARRY_FADE_DEGREES, carry_round_dome, degrees_from


def test_degrees_from_wraps_round_north_and_scales_rows_and_columns(device):
    known = torch.zeros(1, 1, 10, 36, dtype=torch.bool)
    known[..., 4, 0] = True  # one known pixel at azimuth 0: columns are 10 degrees, rows (90 + 10) / 10 = 10 degrees
    angle = degrees_from(known.to(device), min_elevation=-10.0).cpu()
    assert float(angle[0, 0, 4, 0]) == 0.0
    torch.testing.assert_close(angle[0, 0, 4, 35], torch.tensor(10.0))  # one column west of north, not 35
    torch.testing.assert_close(angle[0, 0, 4, 18], torch.tensor(180.0))  # behind the camera
    torch.testing.assert_close(angle[0, 0, 7, 2], torch.tensor(math.hypot(30.0, 20.0)))


def test_the_carried_sky_continues_each_elevation_and_fades_into_its_mean(dtype):
    height, width = 6, 72  # 5 degrees a column
    values = torch.zeros(1, 3, height, width, dtype=dtype)
    known = torch.zeros(1, 1, height, width, dtype=torch.bool)
    known[..., 1:4, :10] = True  # the photo's sky: rows 1-3, columns 0-9
    values[..., 1:4, :10] = torch.tensor([0.2, 0.5, 0.8], dtype=dtype).view(1, 3, 1, 1)  # darker above
    values[..., 1:4, :10] *= torch.tensor([0.8, 0.9, 1.0], dtype=dtype).view(1, 1, 3, 1)
    values[..., 1:4, 9] = 1.0  # the sun at the photo's east edge
    carried = carry_round_dome(values, known, fade_degrees=10.0)
    assert torch.equal(carried[known.expand_as(carried)], values[known.expand_as(values)])
    mean = values[..., 1:4, :10].mean(dim=-1)  # [1, 3, 3] each elevation's observed mean
    torch.testing.assert_close(carried[..., 1:4, 40], mean, atol=1e-3, rtol=0)  # far away: the elevation's mean
    next_to_sun = carried[..., 1:4, 10]
    assert float((next_to_sun - values[..., 1:4, 9]).abs().max()) < float((mean - values[..., 1:4, 9]).abs().max())
    assert torch.equal(carried[..., 0, :], carried[..., 1, :]) and torch.equal(carried[..., 5, :], carried[..., 3, :])
    assert float(carried[0, 0, 1, 40]) < float(carried[0, 0, 3, 40])  # the elevation profile goes round


def test_a_sky_darkening_towards_the_photos_edge_keeps_that_shade_beyond_it():
    """A sunset sky is brightest round the sun and darkens away from it. Faded into its
    elevation's mean (sun included) within 10 degrees, the sky a turn opened beyond the dark
    edge brightened again, and the frames showed a vertical crease where it met the photo's."""
    width = 72  # 5 degrees a column
    values = torch.zeros(1, 3, 1, width)
    known = torch.zeros(1, 1, 1, width, dtype=torch.bool)
    known[..., 20:32] = True  # the photo's sky, darkest at its western edge (column 20)
    values[..., 20:32] = torch.linspace(0.4, 0.9, 12)
    carried = carry_round_dome(values, known, CARRY_FADE_DEGREES)
    edge, mean = 0.4, float(values[..., 20:32].mean())
    beyond = float(carried[0, 0, 0, 18])  # 10 degrees west of the edge
    assert abs(beyond - edge) < abs(beyond - mean)


def test_nearest_known_along_picks_the_nearer_side_and_reports_none():
    known = torch.tensor([[[[False, True, False, False, False, True, False]]]])
    index = nearest_known_along(known, -1)
    assert index.flatten().tolist() == [1, 1, 1, 1, 5, 5, 5]
    assert nearest_known_along(torch.zeros_like(known), -1).flatten().tolist() == [-1] * 7
