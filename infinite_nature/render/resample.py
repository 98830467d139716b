"""Sharper colour for rendered pixels: read the source image backwards, Catmull-Rom, one surface.

Forward splatting lands each source point bilinearly on the four pixels around it, which is
bilinear interpolation, and where a near and a far surface meet it blends the two: every
render blurs a little (most at silhouettes), and a flight renders many times. Once the splat
has given each target pixel a disparity, the source position that pixel sees is known, and
its colour can be read there with a sharper kernel, from that surface only:

* Catmull-Rom (Keys' cubic, a = -0.5) rather than ``grid_sample``'s bicubic (a = -0.75),
  which rings at edges (measured in a first version without the surface test: a = -0.75
  cost 0.06 dB PSNR, a = -0.5 none);
* a tap counts only if its source disparity is within ``SAME_SURFACE_TOLERANCE`` (relative)
  of the disparity the pixel expects there (the rest are dropped and the weights
  renormalised), so a silhouette stays crisp instead of mixing foreground and background.
  The tolerance was chosen on worlds 6000-6019 (0.05 to 0.5 tried; 0.2-0.5 alike), not on
  the held-out worlds;
* at a silhouette the splatted disparity itself is a blend, so the nearest and the farthest
  rendered disparity around the pixel are tried next (a 3x3 window): whichever the source
  confirms is the surface the pixel sees.

A pixel with too little same-surface weight (disocclusions, positions off the source)
keeps the splat's colour. On held-out worlds (20 flights, steps 1-5, 128², exact depth) it
took the frames' sharpness from 0.63 to 0.89 of the truth's and PSNR up at every step
(steps 1-5: +0.99 to +1.54 dB over warp + Telea, which renders the same way).
"""

from __future__ import annotations

from dataclasses import replace

import torch

from infinite_nature.render.splatting import NEAR_DEPTH, SplatResult, pixel_mapping

CATMULL_ROM = -0.5
SAME_SURFACE_TOLERANCE = 0.3  # relative disparity difference still counted as the same surface
MIN_SAME_SURFACE_WEIGHT = 0.5  # share of the kernel's weight that must fall on the pixel's surface


def _cubic_weights(fraction: torch.Tensor, a: float) -> torch.Tensor:  # [...] in [0, 1) -> [..., 4]
    """Keys' cubic convolution weights of the taps at -1, 0, 1, 2 for a fractional offset
    (each tap's branch of the kernel is known from the offset's range, so no branching)."""
    t, s = fraction, 1 - fraction
    return torch.stack([
        a * t * s * s,
        ((a + 2) * t - (a + 3)) * t * t + 1,
        ((a + 2) * s - (a + 3)) * s * s + 1,
        a * s * t * t,
    ], dim=-1)


def _sample_table(
    table: torch.Tensor,  # [B*H*W, C + 1] every pixel's channels, its disparity last
    height: int,
    width: int,
    base: torch.Tensor,  # [M] the flat index of each point's image's first pixel (b * H * W)
    uv: torch.Tensor,  # [M, 2] pixel coordinates
    expected: torch.Tensor,  # [M]
    tolerance: float,
    a: float,
) -> tuple[torch.Tensor, torch.Tensor]:  # ([M, C], [M])
    """All 16 taps of every point in one row lookup, the off-surface ones weighted 0."""
    u, v = uv[:, 0], uv[:, 1]
    u0, v0 = u.detach().floor(), v.detach().floor()
    weight = _cubic_weights(v - v0, a)[:, :, None] * _cubic_weights(u - u0, a)[:, None, :]  # [M, 4, 4]
    offsets = torch.arange(-1, 3, device=uv.device, dtype=uv.dtype)
    rows = (v0[:, None] + offsets).clamp(0, height - 1).long() * width  # [M, 4]
    columns = (u0[:, None] + offsets).clamp(0, width - 1).long()  # [M, 4]
    index = base[:, None, None] + rows[:, :, None] + columns[:, None, :]  # [M, 4, 4]
    taps = table.index_select(0, index.reshape(-1)).reshape(uv.shape[0], 16, table.shape[1])  # [M, 16, C + 1]
    same = (taps[..., -1] - expected[:, None]).abs() <= tolerance * expected[:, None]  # [M, 16]
    weight = weight.reshape(-1, 16) * same
    weight_sum = weight.sum(dim=1)  # [M]
    total = torch.bmm(weight[:, None], taps[..., :-1])[:, 0]  # [M, C]
    return total / weight_sum.clamp_min(1e-6)[:, None], weight_sum


def _table(image: torch.Tensor, disparity: torch.Tensor) -> torch.Tensor:  # [B, C, H, W], [B, 1, H, W] -> [B*H*W, C + 1]
    """Pixels as rows (colour and disparity side by side), so each tap is one row lookup."""
    return torch.cat([image, disparity], dim=1).permute(0, 2, 3, 1).reshape(-1, image.shape[1] + 1).contiguous()


def same_surface_sample(
    image: torch.Tensor,  # [B, C, H, W]
    disparity: torch.Tensor,  # [B, 1, H, W] the image's disparity
    uv: torch.Tensor,  # [B, N, 2] pixel coordinates (pixel centres at integers)
    expected: torch.Tensor,  # [B, N] the disparity the sample should have
    tolerance: float = SAME_SURFACE_TOLERANCE,
    a: float = CATMULL_ROM,
) -> tuple[torch.Tensor, torch.Tensor]:  # ([B, C, N] samples, [B, N] same-surface kernel weight)
    """Cubic-convolution samples of ``image`` at ``uv`` from the taps whose disparity is within
    ``tolerance`` (relative) of ``expected``, renormalised; taps outside the image repeat the
    border. With every tap on the surface this is plain Catmull-Rom: exact at pixel centres,
    exact on linear ramps. Differentiable in ``image`` and ``uv``."""
    batch, channels, height, width = image.shape
    points = uv.shape[1]
    base = (torch.arange(batch, device=uv.device) * height * width).repeat_interleave(points)
    sampled, weight = _sample_table(_table(image, disparity), height, width, base, uv.reshape(-1, 2),
                                    expected.reshape(-1), tolerance, a)
    return sampled.reshape(batch, points, channels).transpose(1, 2), weight.reshape(batch, points)


def _window_extremes(
    disparity: torch.Tensor,  # [B*H*W] splatted disparity, flat
    valid: torch.Tensor,  # [B*H*W] bool
    index: torch.Tensor,  # [M] flat pixel indices
    height: int,
    width: int,
) -> tuple[torch.Tensor, torch.Tensor]:  # ([M], [M])
    """The largest (nearest) and smallest (farthest) rendered disparity in each point's 3x3 window
    (each point is a rendered pixel, so its window is never empty)."""
    row, column = (index // width) % height, index % width
    image_start = index - row * width - column
    offsets = torch.arange(-1, 2, device=index.device)
    rows = (row[:, None] + offsets).clamp(0, height - 1) * width  # [M, 3]
    columns = (column[:, None] + offsets).clamp(0, width - 1)  # [M, 3]
    window = (image_start[:, None, None] + rows[:, :, None] + columns[:, None, :]).reshape(-1, 9)  # [M, 9]
    values, known = disparity[window], valid[window]
    nearest = torch.where(known, values, torch.zeros_like(values)).amax(dim=1)
    farthest = torch.where(known, values, torch.full_like(values, float("inf"))).amin(dim=1)
    return nearest, farthest


def resample_colour(
    splatted: SplatResult,  # features [B, C, H', W'], the first ``channels`` resampled
    source: torch.Tensor,  # [B, channels, H, W] the splatted colour, in [0, 1]
    source_disparity: torch.Tensor,  # [B, 1, H, W] > 0
    source_intrinsics: torch.Tensor,  # [B, 3, 3]
    target_intrinsics: torch.Tensor,  # [B, 3, 3]
    transform: torch.Tensor,  # [B, 4, 4] source camera -> target camera
) -> SplatResult:
    """The splat with its first ``source.shape[1]`` feature channels read backwards from ``source``
    (Catmull-Rom, same surface only) at the valid pixels where the source shows their surface."""
    batch, channels, height, width = source.shape
    target_height, target_width = splatted.features.shape[-2:]
    table = _table(source, source_disparity)  # [B*H*W, channels + 1]
    # target pixel [u, v, 1] at depth z -> z * mapping @ [u, v, 1] + offset in the source camera
    mapping, offset = pixel_mapping(target_intrinsics, torch.linalg.inv(transform), source_intrinsics)
    colour = splatted.features[:, :channels].permute(0, 2, 3, 1).reshape(-1, channels).contiguous()  # [B*H'*W', channels]
    disparity = splatted.disparity.reshape(-1).clamp_min(1e-6)  # [B*H'*W']
    valid = splatted.valid.reshape(-1)
    index = valid.nonzero()[:, 0]  # [M] the pixels still to resample
    image = index // (target_height * target_width)
    column, row = index % target_width, (index // target_width) % target_height
    homogeneous = torch.stack([column, row, torch.ones_like(index)], dim=1).to(colour.dtype)  # [M, 3] pixel [u, v, 1]
    candidates = [disparity[index]]  # [M] each: per pixel still to resample, in the order they are tried
    for attempt in range(3):  # the pixel's own disparity, then its window's nearest, then its farthest
        if index.numel() == 0:
            break
        if attempt == 1:  # the window's extremes, once, for the pixels the first try left
            candidates = list(_window_extremes(disparity, valid, index, target_height, target_width))
        candidate = candidates.pop(0)
        projected = torch.bmm(mapping[image], homogeneous[:, :, None])[:, :, 0] / candidate[:, None] + offset[image, 0]
        z = projected[:, 2]
        uv = projected[:, :2] / torch.where(z.abs() < NEAR_DEPTH, torch.full_like(z, NEAR_DEPTH), z)[:, None]
        sampled, weight = _sample_table(table, height, width, image * (height * width), uv, 1.0 / z.clamp_min(NEAR_DEPTH),
                                        SAME_SURFACE_TOLERANCE, CATMULL_ROM)
        inside = (z > NEAR_DEPTH) & (uv[:, 0] >= -0.5) & (uv[:, 0] <= width - 0.5)
        inside &= (uv[:, 1] >= -0.5) & (uv[:, 1] <= height - 0.5)
        use = inside & (weight >= MIN_SAME_SURFACE_WEIGHT)
        colour = colour.index_put((index[use],), sampled[use].clamp(0, 1))
        left = ~use
        index, image, homogeneous = index[left], image[left], homogeneous[left]
        candidates = [c[left] for c in candidates]
    colour = colour.reshape(batch, target_height, target_width, channels).permute(0, 3, 1, 2)
    features = torch.cat([colour, splatted.features[:, channels:]], dim=1)
    return replace(splatted, features=features)
