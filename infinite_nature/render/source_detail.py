"""A photo's own finer pixels, read where a flight magnifies what it splats.

Flights splat a working-size image (256 px by default) while the photo on disk usually has
more pixels. Flying forward magnifies what the first frame shows: ground passing beneath
the camera by several times along the direction of flight. Read back from the working-size
image alone, that is smooth colour stretched into streaks; the photo itself has the detail
those pixels need up to its own resolution. ``SourceDetail`` keeps the photo at a power of
two (2 or 4) times the working size as a small mip chain, and ``resample_colour``
(render/resample.py) reads it wherever the target pixel's footprint in the source is smaller
than a working-size pixel, from the taps on the pixel's own surface as for the working image
but bilinear (a quarter of Catmull-Rom's taps: the finer levels are read for most pixels of
a forward flight, and at 2x or more their pixels are smaller than the frame's anyway). The
level of detail follows the footprint's shorter axis and samples spread along its longer
one (anisotropic filtering), so foreshortened ground seen closer gains rows of detail
without shimmering across them.

Pixel centres are at integers at every level: working pixel ``u`` covers the finer level's
pixels ``k u ... k u + k - 1`` and sits at ``k u + (k - 1) / 2`` there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from infinite_nature.render.detail_octaves import DetailOctaves

MAX_DETAIL_FACTOR = 4  # finer than 4x the working size adds little and costs memory
# and no finer image over about 1 MP: carrying it to a new anchor (``finer_view``) took 0.6 s and
# 630 MB for 1024 x 768 here (2 CPU cores), 4.4 s and 3.3 GB for 2048 x 2048
MAX_DETAIL_PIXELS = 1_100_000
DETAIL_UPSCALE_LIMIT = 1.15  # a photo may be enlarged this much to reach the next factor (512 x 341 -> 2x 256 x 176)
MAX_ANISOTROPY = 2  # samples along the footprint's longer axis, at most
ANISOTROPY_SLACK = 0.25  # a footprint up to 1.25 times longer than wide takes one sample
MIN_DETAIL_SHARE = 0.15  # finer levels that would make less of a pixel than this are not read


def detail_factor(source_height: int, source_width: int, height: int, width: int) -> int:
    """The largest power of two (at most ``MAX_DETAIL_FACTOR``, at least 1) that the photo has in
    pixels per working pixel once scaled to cover ``height`` x ``width``, give or take
    ``DETAIL_UPSCALE_LIMIT`` (working sizes are rounded to multiples of 16), and that keeps
    the finer image within ``MAX_DETAIL_PIXELS``."""
    available = min(source_height / height, source_width / width) * DETAIL_UPSCALE_LIMIT
    factor = 1
    while factor * 2 <= min(available, MAX_DETAIL_FACTOR) and (factor * 2) ** 2 * height * width <= MAX_DETAIL_PIXELS:
        factor *= 2
    return factor


def pixel_rows(image: torch.Tensor, disparity: torch.Tensor) -> torch.Tensor:  # [B, C, H, W], [B, 1, H, W] -> [B*H*W, C + 1]
    """Pixels as rows (colour and disparity side by side), so each tap of the resampler's
    kernels is one row lookup."""
    return torch.cat([image, disparity], dim=1).permute(0, 2, 3, 1).reshape(-1, image.shape[1] + 1).contiguous()


@dataclass
class SourceDetail:
    """The source image at ``factor`` (2 or 4) times the splatted size and at each power of two
    in between, finest first, each with the source disparity upsampled to it (for the
    same-surface test), as tables of rows (``pixel_rows``); and the octaves of texture finer
    than the finest of them. Factor 1: no finer levels, only the octaves."""

    factor: int
    tables: list[torch.Tensor]  # [h_i * w_i, C + 1] each, finest first
    sizes: list[tuple[int, int]]  # (h_i, w_i)
    octaves: DetailOctaves | None = None  # texture finer than the finest level, where a flight magnifies past it

    @classmethod
    def build(
        cls,
        fine: torch.Tensor,  # [1, C, k H, k W] the photo at k times the working size
        disparity: torch.Tensor,  # [1, 1, H, W] the working image's disparity
        octaves: bool = True,  # also synthesise octaves finer than ``fine`` (render/detail_octaves.py)
    ) -> SourceDetail:
        height, width = disparity.shape[-2:]
        factor = fine.shape[-1] // width
        if factor < 2 or factor & (factor - 1) or tuple(fine.shape[-2:]) != (factor * height, factor * width):
            raise ValueError(f"source detail must be a power of two (>= 2) times {height}x{width}, "
                             f"got {tuple(fine.shape[-2:])}")
        tables, sizes, level = [], [], fine
        while level.shape[-1] > width:
            size = tuple(level.shape[-2:])
            up = F.interpolate(disparity, size=size, mode="bilinear", align_corners=False)
            tables.append(pixel_rows(level, up))
            sizes.append(size)
            level = F.avg_pool2d(level, 2)
        return cls(factor, tables, sizes, DetailOctaves.build(fine) if octaves else None)

    @classmethod
    def octaves_only(cls, image: torch.Tensor) -> SourceDetail:  # [1, C, H, W] the working image
        """No finer pixels than the working image (factor 1), only the octaves synthesised from it."""
        return cls(1, [], [], DetailOctaves.build(image))

    @property
    def levels(self) -> int:
        return len(self.tables)


def footprint_axes(
    uv: torch.Tensor,  # [H, W, 2] source position of each target pixel (NaN where unknown)
    max_step: float = 4.0,
) -> tuple[torch.Tensor, torch.Tensor]:  # ([H, W, 2], [H, W, 2])
    """The source displacement of one target pixel step along x and along y (the columns of the
    target-to-source Jacobian), from the neighbours on either side; NaN where neither
    neighbour is known or the step is longer than ``max_step`` source pixels (another surface)."""

    def along(dim: int) -> torch.Tensor:
        forward = torch.full_like(uv, float("nan"))
        backward = torch.full_like(uv, float("nan"))
        step = uv.narrow(dim, 1, uv.shape[dim] - 1) - uv.narrow(dim, 0, uv.shape[dim] - 1)
        step = torch.where(step.norm(dim=-1, keepdim=True) <= max_step, step, float("nan"))
        forward.narrow(dim, 0, uv.shape[dim] - 1).copy_(step)
        backward.narrow(dim, 1, uv.shape[dim] - 1).copy_(step)
        return torch.where(forward.isnan(), backward, forward)

    return along(1), along(0)


def sample_detail(
    detail: SourceDetail,
    uv: torch.Tensor,  # [M, 2] working-size source position of each pixel
    axis_x: torch.Tensor,  # [M, 2] footprint axes in working-size source pixels (finite)
    axis_y: torch.Tensor,  # [M, 2]
    expected: torch.Tensor,  # [M] the disparity each pixel expects
    # (table, height, width, uv [M, 2], expected [M]) -> (colour [M, C], kernel weight on the surface [M])
    sample: Callable[..., tuple[torch.Tensor, torch.Tensor]],
    min_weight: float,  # a sample with less of its kernel on the surface is not used
) -> tuple[torch.Tensor, torch.Tensor]:  # ([M, C] colour, [M] share of it taken from the finer levels)
    """Colour read from the finer levels where a target pixel covers less than a working pixel.

    The level follows the footprint's shorter axis (``log2`` of its length in the finest
    level's pixels), blended linearly between the two levels around it; up to
    ``MAX_ANISOTROPY`` samples spread along the longer axis are averaged. The share is 0 where
    the footprint is a working pixel or more (the caller keeps its own sample there), and
    where the finer levels find too little of the expected surface."""
    length_x, length_y = axis_x.norm(dim=1), axis_y.norm(dim=1)
    minor = torch.minimum(length_x, length_y).clamp_min(1e-6)
    major_axis = torch.where((length_x >= length_y)[:, None], axis_x, axis_y)
    count = (major_axis.norm(dim=1) / minor - ANISOTROPY_SLACK).ceil().clamp(1, MAX_ANISOTROPY)
    coarsest = detail.levels  # level index of the working image itself
    lod = torch.log2(minor * detail.factor).clamp(0, coarsest)  # 0: finest level
    colour = torch.zeros(uv.shape[0], detail.tables[0].shape[1] - 1, dtype=uv.dtype, device=uv.device)
    share = torch.zeros_like(minor)
    for level in range(coarsest):
        weight = (1 - (lod - level).abs()).clamp_min(0)  # linear between neighbouring levels
        picked = (weight > 0).nonzero()[:, 0]
        if picked.numel() == 0:
            continue
        scale = 2 ** (coarsest - level)  # this level's pixels per working pixel
        height, width = detail.sizes[level]
        n = count[picked]
        total = torch.zeros(picked.numel(), colour.shape[1], dtype=uv.dtype, device=uv.device)
        found = torch.zeros(picked.numel(), dtype=uv.dtype, device=uv.device)
        for i in range(MAX_ANISOTROPY):
            active = (n > i).nonzero()[:, 0]  # of ``picked``
            points = picked[active]
            offset = ((i + 0.5) / n[active] - 0.5)[:, None] * major_axis[points]  # spread along the longer axis
            position = (uv[points] + offset) * scale + (scale - 1) / 2
            values, kernel = sample(detail.tables[level], height, width, position, expected[points])
            good = (kernel >= min_weight).to(uv.dtype)
            total.index_add_(0, active, values * good[:, None])
            found.index_add_(0, active, good)
        ok = found > 0
        colour[picked[ok]] += weight[picked[ok], None] * total[ok] / found[ok, None]
        share[picked[ok]] += weight[picked[ok]]
    return colour / share.clamp_min(1e-6)[:, None], share
