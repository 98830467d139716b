"""Reference bilinear splatting in plain PyTorch (scatter-add); runs on any device.

Every backend implements the same primitive: each point carries a value vector and lands
bilinearly on the 4 pixels around its projected position; values are summed per pixel.
Taps whose bilinear weight is below ``MIN_TAP_WEIGHT`` are dropped, so float round-off
(a point 1e-5 px off a pixel centre) cannot leak a near surface onto its neighbours.
With a depth key, a point only contributes to a pixel if its key (disparity) is within a
relative tolerance of the largest key that reaches that pixel (hard z-buffer).
"""

from __future__ import annotations

import torch

MIN_TAP_WEIGHT = 1e-4


def bilinear_taps(
    uv: torch.Tensor,  # [B, N, 2]
    height: int,
    width: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Each point's 4 taps: flat pixel index, bilinear weight, and the weight's d/du and d/dv.

    All four are ``[B, 4, N]``; dropped taps (outside, or lighter than ``MIN_TAP_WEIGHT``)
    have weight and derivatives 0. Nothing here is tracked by autograd.
    """
    u, v = uv[..., 0].detach(), uv[..., 1].detach()
    u0, v0 = torch.floor(u), torch.floor(v)
    fu, fv = u - u0, v - v0
    gu, gv = 1 - fu, 1 - fv
    x0_in, x1_in = (u0 >= 0) & (u0 <= width - 1), (u0 >= -1) & (u0 <= width - 2)
    y0_in, y1_in = (v0 >= 0) & (v0 <= height - 1), (v0 >= -1) & (v0 <= height - 2)
    weight = torch.stack([gu * gv, fu * gv, gu * fv, fu * fv], dim=1)  # [B, 4, N]
    inside = torch.stack([x0_in & y0_in, x1_in & y0_in, x0_in & y1_in, x1_in & y1_in], dim=1)
    keep = (inside & (weight >= MIN_TAP_WEIGHT)).to(weight.dtype)
    steps = torch.tensor([0, 1, width, width + 1], device=uv.device).view(1, 4, 1)
    base = (v0.clamp(-1, height) * width + u0.clamp(-1, width)).long()[:, None]  # [B, 1, N]
    flat = (base + steps).clamp(0, height * width - 1)
    dw_du = torch.stack([-gv, gv, -fv, fv], dim=1) * keep
    dw_dv = torch.stack([-gu, -fu, gu, fu], dim=1) * keep
    return flat, weight * keep, dw_du, dw_dv


def max_key_per_pixel(
    uv: torch.Tensor,  # [B, N, 2]
    key: torch.Tensor,  # [B, N]
    height: int,
    width: int,
) -> torch.Tensor:  # [B, H*W]
    """Largest key among the points whose bilinear footprint reaches each pixel (0 if none)."""
    index, weight, _, _ = bilinear_taps(uv, height, width)
    keys = torch.where(weight > 0, key.detach()[:, None].expand_as(weight), torch.zeros_like(weight))
    out = torch.zeros(uv.shape[0], height * width, dtype=key.dtype, device=key.device)
    return out.scatter_reduce(1, index.flatten(1), keys.flatten(1), reduce="amax", include_self=True)


class _BilinearSplat(torch.autograd.Function):
    """Scatter in the forward, gather in the backward: the same math as the CUDA kernel."""

    @staticmethod
    def forward(ctx, uv, values, key, key_max, tolerance, height, width):  # type: ignore[override]
        batch, channels, _ = values.shape
        index, weight, dw_du, dw_dv = bilinear_taps(uv, height, width)  # [B, 4, N]
        if key is not None and key_max is not None:
            nearest = torch.gather(key_max, 1, index.flatten(1)).view_as(weight)
            passes = key[:, None] >= (1.0 - tolerance) * nearest
            zero = torch.zeros_like(weight)
            weight, dw_du, dw_dv = (torch.where(passes, t, zero) for t in (weight, dw_du, dw_dv))
        contributions = (weight[:, None] * values[:, :, None]).flatten(2)  # [B, C, 4N]
        taps = index.flatten(1)[:, None].expand(-1, channels, -1)  # [B, C, 4N]
        out = values.new_zeros(batch, channels, height * width).scatter_add_(2, taps, contributions)
        ctx.save_for_backward(values, index, weight, dw_du, dw_dv)
        return out.view(batch, channels, height, width)

    @staticmethod
    def backward(ctx, grad_out):  # type: ignore[override]
        values, index, weight, dw_du, dw_dv = ctx.saved_tensors
        batch, channels, count = values.shape
        grad_flat = grad_out.reshape(batch, channels, -1)  # [B, C, H*W]
        grad_uv = values.new_empty(batch, count, 2)
        grad_values = torch.empty_like(values)
        for b in range(batch):
            grad_values[b].zero_()
            dot = values.new_empty(4, count)  # d loss / d weight of each tap
            for tap in range(4):  # one tap at a time: [C, N] gathers instead of one [C, 4N]
                gathered = grad_flat[b].index_select(1, index[b, tap])  # [C, N]
                grad_values[b].addcmul_(gathered, weight[b, tap].expand(channels, count))
                dot[tap] = (gathered * values[b]).sum(0)
            grad_uv[b, :, 0] = (dot * dw_du[b]).sum(0)
            grad_uv[b, :, 1] = (dot * dw_dv[b]).sum(0)
        return grad_uv, grad_values, None, None, None, None, None


def bilinear_splat(
    uv: torch.Tensor,  # [B, N, 2]
    values: torch.Tensor,  # [B, C, N] channels first, like features.flatten(2)
    height: int,
    width: int,
    key: torch.Tensor | None = None,  # [B, N]
    key_max: torch.Tensor | None = None,  # [B, H*W]
    tolerance: float = 0.0,
) -> torch.Tensor:  # [B, C, H, W]
    """Sum of bilinearly weighted point values per pixel, optionally depth-tested."""
    if key is None or key_max is None:
        key = key_max = None
    else:
        key, key_max = key.detach(), key_max.detach()
    return _BilinearSplat.apply(uv, values, key, key_max, tolerance, height, width)
