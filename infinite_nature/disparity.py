"""Disparity convention (the one place that defines it).

The scene that flights move through is expressed in *normalised disparity* ``d``:
depth ``z = 1 / d`` in scene units, with ``d`` clipped to ``[DISPARITY_MIN, DISPARITY_MAX]``,
so the nearest surface is at depth 1 and the far plane (sky, infinity) at depth 100.
Camera translations are measured in the same scene units.

Two ways in:

* relative disparity from a depth network (unknown scale and shift) is normalised with
  percentiles, as InfiniteNature-Zero does: ``(d - p1) / (p97 - p1) * 0.8``;
* metric depth (procedural worlds) is normalised by a *scale only*, so that the 97th
  percentile of ``1/z`` maps to 0.8; the scale is returned so camera paths can be
  converted to scene units with the same factor (``t_scene = t_metric * scale``, and
  likewise ``z_scene = z_metric * scale``).

Percentiles ignore sky pixels (which are at infinity) when a sky mask is given.
"""

from __future__ import annotations

import torch

DISPARITY_MIN = 0.01
DISPARITY_MAX = 1.0
LOW_PERCENTILE = 0.01
HIGH_PERCENTILE = 0.97
HIGH_TARGET = 0.8


def disparity_to_depth(disparity: torch.Tensor) -> torch.Tensor:
    """Scene depth of normalised disparity (clipped to the convention's range)."""
    return 1.0 / disparity.clamp(DISPARITY_MIN, DISPARITY_MAX)


def depth_to_disparity(depth: torch.Tensor) -> torch.Tensor:
    """Normalised disparity of a scene depth (clipped to the convention's range)."""
    return (1.0 / depth.clamp_min(1e-12)).clamp(DISPARITY_MIN, DISPARITY_MAX)


def _percentiles(values: torch.Tensor, valid: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image (p1, p97) of ``values`` [B, 1, H, W] over ``valid`` pixels -> two [B, 1, 1, 1]."""
    lows, highs = [], []
    for b in range(values.shape[0]):
        v = values[b].flatten()
        if valid is not None:
            picked = v[valid[b].flatten()]
            v = picked if picked.numel() > 0 else v
        q = torch.quantile(v.float(), torch.tensor([LOW_PERCENTILE, HIGH_PERCENTILE], device=v.device))
        lows.append(q[0])
        highs.append(q[1])
    shape = (-1, 1, 1, 1)
    return torch.stack(lows).view(shape).to(values.dtype), torch.stack(highs).view(shape).to(values.dtype)


def normalise_relative_disparity(
    raw: torch.Tensor,  # [B, 1, H, W] relative disparity (larger = nearer)
    sky: torch.Tensor | None = None,  # [B, 1, H, W] bool, True where sky
) -> torch.Tensor:  # [B, 1, H, W] normalised disparity
    """Percentile normalisation for disparity known only up to scale and shift."""
    valid = None if sky is None else ~sky
    low, high = _percentiles(raw, valid)
    out = (raw - low) / (high - low).clamp_min(1e-8) * HIGH_TARGET
    out = out.clamp(DISPARITY_MIN, DISPARITY_MAX)
    if sky is not None:
        out = torch.where(sky, torch.full_like(out, DISPARITY_MIN), out)
    return out


def normalise_metric_depth(
    depth: torch.Tensor,  # [B, 1, H, W] metric depth, inf allowed for sky
    sky: torch.Tensor | None = None,  # [B, 1, H, W] bool
) -> tuple[torch.Tensor, torch.Tensor]:  # ([B, 1, H, W] disparity, [B] scale)
    """Scale-only normalisation of metric depth; returns the disparity and the scale."""
    inv = 1.0 / depth.clamp_min(1e-12)
    inv = torch.where(torch.isfinite(depth), inv, torch.zeros_like(inv))
    valid = torch.isfinite(depth) if sky is None else (~sky & torch.isfinite(depth))
    _, high = _percentiles(inv, valid)
    scale = high.clamp_min(1e-12) / HIGH_TARGET  # [B, 1, 1, 1]: z_scene = z_metric * scale
    disparity = (inv / scale).clamp(DISPARITY_MIN, DISPARITY_MAX)
    if sky is not None:
        disparity = torch.where(sky, torch.full_like(disparity, DISPARITY_MIN), disparity)
    return disparity, scale.flatten()
