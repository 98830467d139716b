"""Non-learned hole filling from the rendered pixels around a hole: ``pull_push`` gives a hole
the colours around it (smooth, blended by distance), ``mirror_into_holes`` gives it the
texture around it (each hole pixel takes the pixel mirrored across the nearest hole border),
``copy_into_strips`` a strip at the frame's side (``open_to_side``) the view further in,
copied outwards, ``continue_rows`` such a strip its rows' colour and the texture beside it,
shifted across it,
``interpolate_across`` a crack the straight line between the known pixels on either side of
it, ``axis_neighbours`` the known pixels a hole meets on either side along a row or a column
(``first_known_along`` the index of the first one in one direction).
All are tensor operations on any device, batched; only ``nearest_known`` takes OpenCV's
distance transform for CPU tensors (jump flooding elsewhere): the same distances, 50x faster.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from kornia.filters import gaussian_blur2d

_FAR = 1e6  # the coordinate of "no known pixel yet" in the nearest-pixel search
STRIP_REPEATS = 4  # copies of the copy copy_into_strips may take, for strips wider than its shift
SEAM_SIGMA = 1.5  # rows over which a strip's seam difference is smoothed (copy_into_strips)
_NEIGHBOURS = tuple((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0))


def pull_push(values: torch.Tensor, known: torch.Tensor) -> torch.Tensor:  # [B, C, H, W], [B, 1, H, W] bool
    """A smooth interpolation of the known pixels into the unknown ones (known pixels unchanged):
    averages of the known values down an image pyramid (pull), each level's gaps filled from
    the coarser one on the way back up (push). Every hole, however wide, gets the colours
    around it, blended by distance."""
    weight = known.to(values.dtype)
    pyramid = [(values * weight, weight)]  # premultiplied values and coverage per level
    while min(pyramid[-1][1].shape[-2:]) > 1:
        v, w = pyramid[-1]
        pyramid.append((F.avg_pool2d(v, 2, ceil_mode=True), F.avg_pool2d(w, 2, ceil_mode=True)))
    v, w = pyramid[-1]  # a row or column of cells; any without a known pixel takes the mean of all
    mean = (values * weight).sum(dim=(2, 3), keepdim=True) / weight.sum(dim=(2, 3), keepdim=True).clamp_min(1e-8)
    filled = torch.where(w > 0, v / w.clamp_min(1e-8), mean)
    for v, w in reversed(pyramid[:-1]):
        coarse = F.interpolate(filled, size=v.shape[-2:], mode="bilinear", align_corners=False)
        filled = v + coarse * (1 - w)  # the known mean where covered, the coarser fill for the rest
    return torch.where(known, values, filled)


def within_leeway(values: torch.Tensor, reference: torch.Tensor, leeway: float) -> torch.Tensor:
    """``values`` moved to within ``leeway`` of ``reference`` (per pixel and channel): how far a
    network's colour may stray from the colours a photo shows around it."""
    return reference + (values - reference).clamp(-leeway, leeway)


def _pixel_coordinates(known: torch.Tensor) -> torch.Tensor:  # [B, 2, H, W] float (row, column)
    batch, _, height, width = known.shape
    rows = torch.arange(height, device=known.device, dtype=torch.float32).view(1, 1, height, 1)
    columns = torch.arange(width, device=known.device, dtype=torch.float32).view(1, 1, 1, width)
    return torch.cat([rows.expand(batch, 1, height, width), columns.expand(batch, 1, height, width)], dim=1)


def nearest_known(known: torch.Tensor) -> torch.Tensor:  # [B, 1, H, W] bool -> [B, 2, H, W] float
    """(row, column) of a nearest known pixel for every pixel (a known pixel is its own);
    pixels of an image with nothing known get ``_FAR``. On the CPU by OpenCV's distance
    transform, elsewhere by jump flooding; both exact for almost every pixel and within a
    pixel or two elsewhere."""
    if known.device.type == "cpu":
        return _nearest_known_opencv(known)
    return _nearest_known_jump_flood(known)


def _nearest_known_opencv(known: torch.Tensor) -> torch.Tensor:  # [B, 1, H, W] bool -> [B, 2, H, W] float
    """``nearest_known`` from the labels of OpenCV's distance transform (5x5 mask): each known
    pixel is numbered in raster order, and every pixel gets the number of its nearest."""
    height, width = known.shape[-2:]
    nearest = torch.full((known.shape[0], 2, height, width), _FAR, dtype=torch.float32)
    for image, mask in enumerate(known[:, 0].numpy()):
        flat = np.flatnonzero(mask)  # the known pixels in raster order: label k is flat[k - 1]
        if flat.size == 0:
            continue
        _, labels = cv2.distanceTransformWithLabels((~mask).view(np.uint8), cv2.DIST_L2, 5,
                                                    labelType=cv2.DIST_LABEL_PIXEL)
        index = flat[labels - 1]  # [H, W] flat index of each pixel's nearest known pixel
        nearest[image, 0] = torch.from_numpy(index // width)
        nearest[image, 1] = torch.from_numpy(index % width)
    return nearest


def _nearest_known_jump_flood(known: torch.Tensor) -> torch.Tensor:  # [B, 1, H, W] bool -> [B, 2, H, W] float
    """``nearest_known`` by jump flooding (log2 of the image size passes of 8 shifted
    comparisons). Only the box around the unknown pixels and a one-pixel ring is searched (a
    nearest known pixel of theirs lies in it: the ring's pixels are known and nearer than any
    beyond it), so the strip a turn opens at the frame's side costs a fraction of the frame."""
    nearest = _pixel_coordinates(known)  # a known pixel is its own nearest
    height, width = known.shape[-2:]
    unknown = ~known
    rows = unknown.any(dim=-1).flatten().view(-1, height).any(dim=0).nonzero().flatten()
    if rows.numel() == 0:
        return nearest
    columns = unknown.any(dim=-2).flatten().view(-1, width).any(dim=0).nonzero().flatten()
    top, bottom = max(int(rows[0]) - 1, 0), min(int(rows[-1]) + 2, height)
    left, right = max(int(columns[0]) - 1, 0), min(int(columns[-1]) + 2, width)
    box = _jump_flood(known[..., top:bottom, left:right])
    corner = torch.tensor([top, left], dtype=box.dtype, device=box.device).view(1, 2, 1, 1)
    nearest[..., top:bottom, left:right] = torch.where(box >= _FAR, box, box + corner)
    return nearest


def _jump_flood(known: torch.Tensor) -> torch.Tensor:  # [B, 1, H, W] bool -> [B, 2, H, W] float
    """``nearest_known`` over the whole of ``known``."""
    here = _pixel_coordinates(known)
    height, width = known.shape[-2:]
    seed = torch.where(known, here, torch.full_like(here, _FAR))
    step = 1 << (max(height, width) - 1).bit_length() >> 1
    while step >= 1:
        best, best_distance = seed, ((seed - here) ** 2).sum(dim=1, keepdim=True)
        padded = F.pad(seed, (step, step, step, step), value=_FAR)
        for dy, dx in _NEIGHBOURS:
            top, left = step * (1 + dy), step * (1 + dx)
            candidate = padded[..., top: top + height, left: left + width]
            distance = ((candidate - here) ** 2).sum(dim=1, keepdim=True)
            closer = distance < best_distance
            best = torch.where(closer, candidate, best)
            best_distance = torch.where(closer, distance, best_distance)
        seed, step = best, step // 2
    return seed


def first_known_along(known: torch.Tensor, dim: int, backwards: bool) -> torch.Tensor:  # [B, 1, H, W] long
    """Index along ``dim`` of the first known pixel met from each pixel on (the pixel itself
    included; ``backwards``: towards index 0); -1 where there is none."""
    size = known.shape[dim]
    shape = [1, 1, 1, 1]
    shape[dim] = size
    index = torch.arange(size, device=known.device).view(shape).expand_as(known)
    if backwards:
        return torch.where(known, index, -1).cummax(dim=dim).values
    from_end = torch.where(known.flip(dim), index, -1).cummax(dim=dim).values.flip(dim)
    return torch.where(from_end >= 0, (size - 1) - from_end, -1)


def nearest_known_along(known: torch.Tensor, dim: int) -> torch.Tensor:  # [B, 1, H, W] long
    """Index along ``dim`` of the nearest known pixel on either side (the pixel itself
    included); -1 where there is none."""
    before, after = first_known_along(known, dim, backwards=True), first_known_along(known, dim, backwards=False)
    return _nearer(before, after, dim)


def _nearer(before: torch.Tensor, after: torch.Tensor, dim: int) -> torch.Tensor:  # [B, 1, H, W] long each
    """Of the first known pixels before and after each pixel along ``dim``, the nearer (-1: neither)."""
    here = torch.arange(before.shape[dim], device=before.device).view(-1, *[1] * (-dim - 1))
    take_after = (before < 0) | ((after >= 0) & (after - here < here - before))
    return torch.where(take_after, after, before)


def interpolate_across(
    values: torch.Tensor,  # [B, C, H, W]
    known: torch.Tensor,  # [B, 1, H, W] bool
    max_gap: int,
    surface: torch.Tensor | None = None,  # [B, 1, H, W] > 0, e.g. disparity
    tolerance: float = 0.0,
    targets: torch.Tensor | None = None,  # [B, 1, H, W] bool: the unknown pixels to fill (default: all)
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each unknown pixel (of ``targets``) in a gap of at most ``max_gap`` pixels between known ones along its row
    or its column gets the linear interpolation across the gap; with gaps along both, the
    shorter counts more (weights 1 / gap). With ``surface``, only gaps whose two ends differ
    by at most ``tolerance`` (relative) in it count: a crack in one surface, not the sliver
    between a near and a far one. Returns the values (known pixels unchanged) and which pixels
    have one ([B, 1, H, W] bool, known pixels included).

    Magnification leaves cracks of whole missing rows or columns, across which a surface's
    disparity and colour change linearly; filled from the nearest pixels instead, they step,
    and colour read back at stepped disparities repeats source rows as stripes. Only the
    target pixels are computed (a few percent of a frame)."""
    batch, channels, height, width = values.shape
    image, _, row, column = (~known if targets is None else targets & ~known).nonzero(as_tuple=True)  # [M] each
    table = values.permute(0, 2, 3, 1).reshape(-1, channels)  # [B*H*W, C]
    levels = None if surface is None else surface.reshape(-1)
    total = values.new_zeros(row.shape[0], channels)
    weights = values.new_zeros(row.shape[0])
    for dim, here in ((-1, column), (-2, row)):  # along the row, then along the column
        before = first_known_along(known, dim, backwards=True)[image, 0, row, column]
        after = first_known_along(known, dim, backwards=False)[image, 0, row, column]
        gap = after - before
        usable = (before >= 0) & (after >= 0) & (gap <= max_gap)
        ends = [(image * height + (row if dim == -1 else i)) * width + (i if dim == -1 else column)
                for i in (before.clamp_min(0), after.clamp_min(0))]  # flat pixel indices
        if levels is not None:
            near, far = levels[ends[0]], levels[ends[1]]
            usable &= (near - far).abs() <= tolerance * torch.maximum(near, far)
        share = ((here - before) / gap.clamp_min(1)).to(values.dtype)  # 0 at the known pixel before, 1 at the one after
        first, last = table[ends[0]], table[ends[1]]
        weight = usable.to(values.dtype) / gap.clamp_min(1).to(values.dtype)
        total += weight[:, None] * (first + (last - first) * share[:, None])
        weights += weight
    found = weights > 0
    at = ((image * height + row) * width + column)[found]
    table = table.clone()
    table[at] = total[found] / weights[found, None]
    reached = known.clone().view(-1)
    reached[at] = True
    return table.view(batch, height, width, channels).permute(0, 3, 1, 2), reached.view_as(known)


def axis_neighbours(values: torch.Tensor, known: torch.Tensor) -> tuple[tuple[torch.Tensor, torch.Tensor], ...]:
    """For every pixel, the values ([B, C, H, W]) of the first known pixel met in each direction
    along its row or along its column, whichever meets one sooner, each with whether one was
    met ([B, 1, H, W] bool). Known pixels meet themselves. A strip at the frame's side is
    bordered along its rows and one across the top along its columns, so a pixel whose row
    meets a known pixel on one side only (a side strip's) looks along its row even where its
    column meets one sooner: in the corner where a side strip meets the top, a pixel may be
    nearer to the pixels below it than to those beside it, yet belongs to the side strip."""
    far = sum(known.shape[-2:])
    axes = []
    for dim in (-1, -2):  # the row, then the column
        here = torch.arange(known.shape[dim], device=known.device).view(-1, *[1] * (-dim - 1))
        sides = []
        for backwards in (True, False):
            index = first_known_along(known, dim, backwards)
            taken = values.gather(dim, index.clamp_min(0).expand(values.shape))
            sides.append((taken, index >= 0, torch.where(index >= 0, (here - index).abs(), far)))
        axes.append(sides)
    row, column = axes
    row_nearer = torch.minimum(row[0][2], row[1][2]) <= torch.minimum(column[0][2], column[1][2])  # [B, 1, H, W]
    row_nearer |= row[0][1] ^ row[1][1]  # a side strip's pixel: its row meets a known pixel on one side only
    return tuple((torch.where(row_nearer, r[0], c[0]), torch.where(row_nearer, r[1], c[1])) for r, c in zip(row, column))


def mirror_into_holes(values: torch.Tensor, known: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each unknown pixel takes the value of the pixel mirrored across its nearest known pixel
    (``2 q - p``): the texture next to a hole continues into it at its own scale and colour,
    as a photo's edge continues when reflected. Returns the values ([B, C, H, W], known
    pixels unchanged) and where a mirrored pixel was found ([B, 1, H, W] bool: known
    pixels, and hole pixels whose mirror image is inside the frame and known)."""
    batch, channels, height, width = values.shape
    here = _pixel_coordinates(known)
    nearest = nearest_known(known)
    source = 2 * nearest - here
    row, column = source[:, :1], source[:, 1:]
    inside = (row >= 0) & (row < height) & (column >= 0) & (column < width) & (nearest[:, :1] < _FAR)
    index = (row.clamp(0, height - 1).long() * width + column.clamp(0, width - 1).long()).view(batch, 1, -1)
    mirrored = values.flatten(2).gather(2, index.expand(batch, channels, -1)).view_as(values)
    found = inside & known.flatten(2).gather(2, index).view_as(known)
    return torch.where(known, values, mirrored), known | found


def open_to_side(known: torch.Tensor) -> torch.Tensor:  # [B, 1, H, W] bool -> [B, 1, H, W] bool
    """Unknown pixels with nothing known between them and the frame's left or right side along
    their row: the strip a turn opens at the side of the view."""
    return (first_known_along(known, -1, backwards=True) < 0) | (first_known_along(known, -1, backwards=False) < 0)


def copy_into_strips(
    values: torch.Tensor,  # [B, C, H, W]
    known: torch.Tensor,  # [B, 1, H, W] bool
    strips: torch.Tensor,  # [B, 1, H, W] bool: the pixels to fill, each open to one side of the frame
    shift: int,
    decay: float,
    seam_px: int = 8,
) -> tuple[torch.Tensor, torch.Tensor]:  # filled [B, C, H, W], found [B, 1, H, W] bool
    """A strip at the frame's side filled with the known pixels ``shift`` columns further in:
    the view beside it copied outwards as one piece, so its texture and structures keep
    their shape in both directions and, with the same shift at every frame, move with the
    view as a turn widens the strip (a strip wider than ``shift`` repeats the copy). The
    seam's difference in colour (the mean of the ``seam_px`` known pixels on its inner side
    against that of the first ``seam_px`` copied pixels, each row, smoothed down the
    columns) is added, fading over ``decay`` pixels into the strip, so no edge shows.
    Found where the copied pixel is known."""
    width = values.shape[-1]
    before = first_known_along(known, -1, backwards=True)
    after = first_known_along(known, -1, backwards=False)
    at_left = before < 0
    border = torch.where(at_left, after, before)  # the known pixel the strip meets along its row; -1: none
    inwards = torch.where(at_left, 1, -1)
    here = torch.arange(width, device=values.device).view(1, 1, 1, width)
    copied, found = torch.zeros_like(values), torch.zeros_like(strips)
    for repeat in range(1, STRIP_REPEATS + 1):  # a strip wider than the shift: copies of the copy
        source = here + inwards * shift * repeat
        take = strips & ~found & (border >= 0) & (source >= 0) & (source < width)
        take &= known.gather(-1, source.clamp(0, width - 1))
        copied = torch.where(take, values.gather(-1, source.clamp(0, width - 1).expand_as(values)), copied)
        found |= take
    inner = _row_window_mean(values, known, border, inwards, seam_px)  # beside the seam, inside the view
    outer = _row_window_mean(values, known, border + inwards * (shift - seam_px), inwards, seam_px)  # what was copied
    m = found.to(values.dtype)
    kernel, sigmas = (2 * round(3 * SEAM_SIGMA) + 1, 1), (SEAM_SIGMA, 1.0)
    smoothed = gaussian_blur2d((inner - outer) * m, kernel, sigmas, border_type="constant")
    seam = smoothed / gaussian_blur2d(m, kernel, sigmas, border_type="constant").clamp_min(1e-6)
    fade = torch.exp(-((here - border).abs() - 1).to(values.dtype) / decay)  # 1 at the strip's first pixel
    return copied + seam * fade, found


def _row_window_mean(
    values: torch.Tensor,  # [B, C, H, W]
    known: torch.Tensor,  # [B, 1, H, W] bool
    start: torch.Tensor,  # [B, 1, H, W] long: each pixel's window's first column
    direction: torch.Tensor,  # [B, 1, H, W] long: +1 or -1, the way the window runs along the row
    length: int,
) -> torch.Tensor:  # [B, C, H, W]
    """Mean of the known pixels in a window of ``length`` columns along each pixel's row (0 where none)."""
    width = values.shape[-1]
    weight = known.to(values.dtype)
    pad = (1, 0)
    total = F.pad((values * weight).cumsum(-1), pad)  # [B, C, H, W + 1]: the sum of the columns before each
    count = F.pad(weight.cumsum(-1), pad)
    end = start + direction * (length - 1)
    low = torch.minimum(start, end).clamp(0, width)
    high = (torch.maximum(start, end) + 1).clamp(0, width)
    summed = total.gather(-1, high.expand_as(values)) - total.gather(-1, low.expand_as(values))
    counted = count.gather(-1, high) - count.gather(-1, low)
    return summed / counted.clamp_min(1.0)


def continue_rows(
    values: torch.Tensor,  # [B, C, H, W]
    known: torch.Tensor,  # [B, 1, H, W] bool
    sigma: float,
) -> tuple[torch.Tensor, torch.Tensor]:  # colour [B, C, H, W], texture source [B, C, H, W]
    """Every pixel's row continued from the known pixels nearest to it along the row: the
    colour of the nearest one in the known pixels smoothed down the columns (a Gaussian of
    ``sigma`` rows over known pixels only, so a band a row or two high does not run on at
    full strength), and the texture of the known pixels beside its gap, shifted across the
    gap by its width (a strip at the right side, or a gap inside the row, shows the
    columns just before it, one at the left side the columns just after it), where that
    is known. Rows without them take the rows around (``pull_push``). Known pixels keep
    their values in the texture source, not in the colour (it is smoothed).

    A landscape's structures run across the frame (horizon, shore, ridge, snow band), so the
    strip a turn opens at the frame's side continues them row by row; ``pull_push`` and
    ``mirror_into_holes`` fill it in two dimensions, which blended a dark island with the
    light hills above it into a block of neither colour and, across a slanted border,
    mirrored the horizon into arcs. The texture is shifted rather than mirrored: a mirror
    image turns every slanted line (a ridge, a snow gully, a branch) into a chevron at the
    strip's border, repeated down the rows as symmetric blots on photos' mountains."""
    width = values.shape[-1]
    weight = known.to(values.dtype)
    kernel, sigmas = (2 * max(1, round(3 * sigma)) + 1, 1), (sigma, 1.0)  # down the columns only
    smoothed = gaussian_blur2d(values * weight, kernel, sigmas, border_type="constant")
    smoothed = smoothed / gaussian_blur2d(weight, kernel, sigmas, border_type="constant").clamp_min(1e-6)
    before = first_known_along(known, -1, backwards=True)  # [B, 1, H, W]; -1: none before it
    after = first_known_along(known, -1, backwards=False)
    nearest = _nearer(before, after, -1)  # -1: a row with nothing known
    in_row = nearest >= 0
    colour = pull_push(smoothed.gather(-1, nearest.clamp_min(0).expand_as(values)), in_row)
    here = torch.arange(width, device=values.device).view(1, 1, 1, width)
    gap = (torch.where(after >= 0, after, width) - before - 1).clamp_min(0)  # the width of each pixel's gap (known: 0)
    source = torch.where(before >= 0, here - gap, here + gap)  # from before the gap, or after one at the left side
    inside = in_row & (source >= 0) & (source < width)
    source = source.clamp(0, width - 1)
    copied = inside & known.gather(-1, source)
    texture = torch.where(copied, values.gather(-1, source.expand_as(values)), values)
    return colour, pull_push(texture, copied | known)
