"""Hiding one side of a photo's sky from the sky generator (the photo's own sky is the target)."""

import torch

from infinite_nature.train.sky_hiding import HIDDEN_SHARE, hide_sky_beside


def _known(columns: list[int], width: int = 40, height: int = 6) -> torch.Tensor:
    known = torch.zeros(1, 1, height, width)
    known[..., 2:4, columns] = 1.0  # two rows of sky at these azimuths
    return known


def _hidden_columns(known: torch.Tensor, given: torch.Tensor) -> set[int]:
    return set((known - given).amax(dim=2)[0, 0].nonzero()[:, 0].tolist())


def test_one_end_of_the_span_is_hidden_a_quarter_to_a_half_of_it():
    span = list(range(10, 30))
    known = _known(span)
    sides = set()
    for seed in range(20):
        given = hide_sky_beside(known, torch.Generator().manual_seed(seed))
        hidden = _hidden_columns(known, given)
        assert HIDDEN_SHARE[0] * len(span) - 1 <= len(hidden) <= HIDDEN_SHARE[1] * len(span) + 1
        assert hidden in ({*span[:len(hidden)]}, {*span[-len(hidden):]})  # contiguous, at one end
        assert torch.equal(given, given * known) and torch.equal(given + (known - given), known)
        sides.add(min(hidden) == span[0])
    assert sides == {True, False}  # both sides occur


def test_a_span_across_north_is_cut_at_its_own_ends():
    span = [36, 37, 38, 39, 0, 1, 2, 3, 4, 5, 6, 7]  # wraps round the panorama's seam, in azimuth order
    known = _known(span)
    for seed in range(10):
        hidden = _hidden_columns(known, hide_sky_beside(known, torch.Generator().manual_seed(seed)))
        assert hidden in ({*span[:len(hidden)]}, {*span[-len(hidden):]}), hidden


def test_the_draws_repeat_with_the_seed_and_tiny_skies_stay_whole():
    known = torch.cat([_known(list(range(5, 25))), _known([7, 8, 9])])
    first = hide_sky_beside(known, torch.Generator().manual_seed(3))
    assert torch.equal(first, hide_sky_beside(known, torch.Generator().manual_seed(3)))
    assert torch.equal(first[1], known[1])  # under four known azimuths: nothing hidden
    assert not torch.equal(first[0], known[0])
