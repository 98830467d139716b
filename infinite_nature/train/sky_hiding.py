"""Sky hidden from the sky generator in photos, so that the photo's own sky can be its target.

A photo shows only part of the dome, so it has no full dome to compare a completion with. What
a flight asks of the sky generator is mostly the sky beside the photo, which a turn brings into
view; so training hides one side of the sky the photo shows (a quarter to a half of its span
in azimuth) and holds the completion there to the photo's own pixels.
"""

from __future__ import annotations

import torch

HIDDEN_SHARE = (0.25, 0.5)  # the share of the sky's azimuth span that is hidden, drawn uniformly


def hide_sky_beside(known: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """``known`` [B, 1, Hp, Wp] ({0, 1}, panorama columns = azimuth, wrapping round) with the
    columns of one side of each panorama's known sky set to 0; a panorama with under four
    known columns is left whole. The draws come from ``generator`` (CPU), so batches stay a
    pure function of their seed."""
    given = known.clone()
    width = known.shape[-1]
    columns = known.amax(dim=2)[:, 0].cpu() > 0  # [B, Wp] azimuths with known sky
    for index, seen in enumerate(columns):
        share = HIDDEN_SHARE[0] + (HIDDEN_SHARE[1] - HIDDEN_SHARE[0]) * float(torch.rand((), generator=generator))
        left_side = bool(torch.rand((), generator=generator) < 0.5)
        if int(seen.sum()) < 4:
            continue
        start = int((~seen).nonzero()[0]) if not bool(seen.all()) else 0  # the span may wrap round north
        order = (torch.arange(width) + start) % width
        span = order[seen[order]]  # the known azimuths in order round the dome
        count = max(1, round(share * len(span)))
        hidden = span[:count] if left_side else span[-count:]
        given[index, :, :, hidden.to(known.device)] = 0
    return given
