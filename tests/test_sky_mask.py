"""The sky rule: sky is open to the top of the frame."""

import pytest
import torch

from infinite_nature.depth.base import sky_from_far_plane
from infinite_nature.sky_mask import sky_open_to_top


def _mask(rows: list[str]) -> torch.Tensor:  # "#" = sky
    return torch.tensor([[c == "#" for c in row] for row in rows])[None, None]


def test_blobs_that_ground_surrounds_go_back_to_the_ground():
    sky = _mask([
        "####....",
        "##......",
        "........",
        "...##...",  # a bright lake the network took for sky
        "...##...",
        "#.......",  # touching the left border is not enough
    ])
    kept = sky_open_to_top(sky)
    assert torch.equal(kept, _mask(["####....", "##......", "........", "........", "........", "........"]))


def test_sky_reaching_the_top_diagonally_or_through_a_gap_is_kept():
    sky = _mask([
        "#.......",
        ".#......",  # diagonal neighbours count (8-connectivity)
        "..###...",
        "......#.",
        ".....#..",
    ])
    assert torch.equal(sky_open_to_top(sky)[0, 0, :3], sky[0, 0, :3])
    assert not sky_open_to_top(sky)[0, 0, 3:].any()


def test_each_image_of_a_batch_on_its_own_and_shapes_checked():
    batch = torch.cat([_mask(["#..", "...", ".#."]), _mask(["...", "...", ".#."]), _mask(["###", "###", "###"])])
    kept = sky_open_to_top(batch)
    assert kept.shape == batch.shape and kept.dtype == torch.bool
    assert kept.sum(dim=(1, 2, 3)).tolist() == [1, 0, 9]
    with pytest.raises(ValueError, match=r"\[B, 1, H, W\]"):
        sky_open_to_top(torch.zeros(3, 3, dtype=torch.bool))


def test_far_plane_sky_follows_the_rule_too():
    disparity = torch.full((1, 1, 4, 4), 0.5)
    disparity[0, 0, 0] = 0.01  # sky along the top
    disparity[0, 0, 2, 2] = 0.01  # a far blob inside the ground
    sky = sky_from_far_plane(disparity)
    assert sky[0, 0, 0].all() and not sky[0, 0, 2, 2]
