"""What a splatted view needs before and after the refiner, shared by the flight loop and the
refiner's training (so the network trains on exactly what it sees in a flight).

* ``SKY_LABEL``, ``WATER_LABEL``: where the labels lie among the splatted features;
* ``render_for_refiner``: splat, ``cover_magnified``, ``fill_small_holes``, then colour read
  backwards from the source (``render.resample``), which also gives the interpolated cracks
  real texture;
* ``cover_magnified``: where the view magnifies its source, a pixel reached by a point is
  covered at the local point density, not at splat's 1:1 threshold;
* ``cover_surfaces``: where it magnifies a surface past the points' reach, the surface
  between them (``render.surface_mesh``) covers what lies behind it, and the holes in it;
* ``fill_small_holes``: interpolate the holes up to ``SMALL_HOLE_SIZE - 1`` pixels across
  (the cracks magnification leaves between splatted points, thin disocclusion slivers), so
  the refiner only has to invent what was really unseen. Measured on held-out worlds,
  interpolation beats the shipped refiner on such holes (steps 1-5: +0.99 dB over warp +
  Telea with 12 px, +0.77 dB with the first version's 3 px), and the refiner's own fill of
  them showed as dark blocks that grew over long flights.
* ``keep_rendered``: show the refiner's output only in the holes; rendered pixels stay exact.
  In the holes, the surroundings' colour and mirrored texture (``render.inpaint``), made
  lighter or darker within a small leeway as the refiner's colour is, never tinted, so a
  fill cannot come out as a block of a colour the scene lacks; and no fill nearer than
  what the source view saw through (``render.free_space``).
"""

from __future__ import annotations

from dataclasses import replace

import torch
import torch.nn.functional as F
from kornia.filters import gaussian_blur2d
from kornia.morphology import erosion

from infinite_nature.disparity import DISPARITY_MAX, DISPARITY_MIN
from infinite_nature.render.alpha import edge_alpha
from infinite_nature.render.free_space import CARVE_TOLERANCE, SourceView, carve_free_space
from infinite_nature.render.inpaint import (
    continue_rows, copy_into_strips, interpolate_across, mirror_into_holes, open_to_side, pull_push,
)
from infinite_nature.render.resample import SAME_SURFACE_TOLERANCE, resample_colour
from infinite_nature.render.source_detail import SourceDetail
from infinite_nature.render.splatting import SplatResult, project_pixels, splat
from infinite_nature.render.surface_mesh import rasterise_surfaces
from infinite_nature.render.window_max import square_max

SMALL_HOLE_SIZE = 13  # a 13x13 closing covers holes up to 12 px across
ALPHA_THRESHOLD, COVERAGE_THRESHOLD = 0.3, 0.5  # the validity thresholds render_for_refiner gives splat
DENSITY_BOX = 5  # the neighbourhood whose mean coverage is a magnified surface's point density
FILL_PASSES = 6  # each 3x3 pass fills one ring of pixels from every side: 6 reach the middle of 12 px
DETAIL_SIGMA, DETAIL_KERNEL = 3.0, 13  # colour is what this Gaussian blur keeps, texture what it removes
COLOUR_LEEWAY = 0.03  # how far the refiner's smoothed brightness may move a hole from its surroundings' colour
FEATHER_PX = 3  # how far into rendered areas the fills blend (_rendered_weight: a 3x3 erosion, then a 5x5 blur)
SIDE_STRIP_SHIFT = 0.3  # a side strip shows the view this share of the frame's width further in (copy_into_strips)
SIDE_STRIP_DECAY = 20.0  # pixels over which the colour beside a side strip fades into its copy
SIDE_STRIP_SIGMA = 1.5  # rows over which a side strip's colour is smoothed before its rows run on


def _closing(mask: torch.Tensor, size: int) -> torch.Tensor:  # [B, 1, H, W] in {0, 1}
    """Binary closing with a square; outside the frame neither dilates nor erodes."""
    return -square_max(-square_max(mask, size), size)


def _box3_sum(x: torch.Tensor) -> torch.Tensor:  # [B, C, H, W]
    """Sum over the 3 x 3 square around each pixel (the outside counts 0), by shifted adds: on
    the CPU about 6x faster than ``avg_pool2d``, which fill_small_holes calls up to 12 times a frame."""
    padded = F.pad(x, (1, 1, 1, 1))
    rows = padded[..., :, :-2] + padded[..., :, 1:-1] + padded[..., :, 2:]
    return rows[..., :-2, :] + rows[..., 1:-1, :] + rows[..., 2:, :]


def fill_small_holes(splatted: SplatResult) -> SplatResult:
    """Interpolate holes that a closing of the validity mask covers: straight across a crack with
    one surface on both sides along its row or column, from the nearest rendered pixels
    inwards elsewhere; larger disocclusions and wide new borders stay holes for the refiner."""
    known = splatted.valid.float()  # [B, 1, H, W]
    small = (_closing(known, SMALL_HOLE_SIZE) > 0.5) & ~splatted.valid
    if not bool(small.any()):
        return splatted
    values = torch.cat([splatted.features, splatted.disparity], dim=1)  # [B, C + 1, H, W]
    values, found = interpolate_across(values, splatted.valid, SMALL_HOLE_SIZE, splatted.disparity,
                                       SAME_SURFACE_TOLERANCE, targets=small)
    known = found.float()
    for _ in range(FILL_PASSES):  # what no row or column bridges: from the nearest pixels inwards
        weight = _box3_sum(known)
        fill = small & (weight > 0) & (known < 0.5)
        if not bool(fill.any()):  # most holes are a pixel or two wide: done after a pass or two
            break
        average = _box3_sum(values * known) / weight.clamp_min(1e-6)
        values = torch.where(fill, average, values)
        known = known + fill.float()
    return replace(splatted, features=values[:, :-1], disparity=values[:, -1:], valid=known > 0.5)


def cover_magnified(splatted: SplatResult) -> SplatResult:
    """``splatted`` with a reached pixel valid where its coverage is above the local point
    density (the mean coverage of the ``DENSITY_BOX`` around it) when that is below
    ``COVERAGE_THRESHOLD``: the threshold stays as it is at 1:1 and drops where the view
    magnifies its source.

    Magnified m times, a surface's points land m pixels apart and each pixel gets only the
    share of a point that lands near its centre, so a fixed threshold of 0.5 keeps just the
    pixels a point happens to hit squarely. Where the points' spacing beats against the
    pixel grid, whole stretches of the surface had none: a wall magnified 4x was all hole,
    and in the built-in example the water in front of the camera showed rectangles of fill
    in darker tones, coming and going from frame to frame (fill_small_holes closes gaps
    between valid pixels, and there were none)."""
    density = F.avg_pool2d(splatted.coverage, DENSITY_BOX, stride=1, padding=DENSITY_BOX // 2, count_include_pad=False)
    reached = (splatted.disparity > 0) & (splatted.alpha > ALPHA_THRESHOLD)
    covered = splatted.coverage > density.clamp(max=COVERAGE_THRESHOLD)
    return replace(splatted, valid=splatted.valid | (reached & covered))


def cover_surfaces(
    splatted: SplatResult,
    features: torch.Tensor,  # [B, C, H, W] what was splatted
    disparity: torch.Tensor,  # [B, 1, H, W]
    alpha: torch.Tensor,  # [B, 1, H, W] the edge alpha it was splatted with
    intrinsics: torch.Tensor,  # [B, 3, 3] source camera
    transform: torch.Tensor,  # [B, 4, 4] source camera -> target camera
    target_intrinsics: torch.Tensor,  # [B, 3, 3]
) -> SplatResult:
    """``splatted`` with the source's surfaces (its pixel grid as a mesh, cut at depth edges:
    edge alpha under ``ALPHA_THRESHOLD``) shown where the view magnifies them past the
    points' reach: in the holes between their points, and over whatever farther surface
    (beyond ``SAME_SURFACE_TOLERANCE``) showed through those holes. There, features and
    disparity are the mesh's; the resampler then reads the colour back from the source."""
    uv, depth = project_pixels(disparity, intrinsics, transform, target_intrinsics)  # [B, N, 2], [B, N]
    surface = (alpha > ALPHA_THRESHOLD).flatten(1)  # [B, N]
    mesh = rasterise_surfaces(uv, depth, disparity.flatten(1), features.flatten(2), surface,
                              tuple(disparity.shape[-2:]), tuple(splatted.disparity.shape[-2:]))
    nearer = mesh.disparity > splatted.disparity * (1 + SAME_SURFACE_TOLERANCE)
    shown = mesh.covered & (~splatted.valid | nearer)  # [B, 1, H', W']
    if not bool(shown.any()):
        return splatted
    ones = torch.ones_like(splatted.alpha)
    return replace(
        splatted,
        features=torch.where(shown, mesh.values, splatted.features),
        disparity=torch.where(shown, mesh.disparity, splatted.disparity),
        alpha=torch.where(shown, ones, splatted.alpha),
        coverage=torch.where(shown, ones, splatted.coverage),
        valid=splatted.valid | shown,
    )


# The features the flight and the refiner's training splat: colour (channels 0-2), then the
# source's sky label and, where a flight has water, its water label. Splatted, a label is a
# share of the pixel (fractional at the label's edges).
SKY_LABEL, WATER_LABEL = 3, 4


def splatted_label(splatted: SplatResult, channel: int) -> torch.Tensor:  # [B, 1, H, W] share in [0, 1]
    return splatted.features[:, channel:channel + 1]


def splatted_ground(splatted: SplatResult) -> torch.Tensor:  # [B, 1, H, W] bool
    """Rendered pixels that show ground (water included), not sky."""
    return splatted.valid & (splatted_label(splatted, SKY_LABEL) <= 0.5)


def render_for_refiner(
    features: torch.Tensor,  # [B, C, H, W], colour in the first three channels
    disparity: torch.Tensor,  # [B, 1, H, W] > 0
    intrinsics: torch.Tensor,  # [B, 3, 3] source camera
    transform: torch.Tensor,  # [B, 4, 4] source camera -> target camera
    target_intrinsics: torch.Tensor | None = None,  # [B, 3, 3], default the source's
    detail: SourceDetail | None = None,  # the source colour's finer pixels, if known
) -> SplatResult:
    """The view the refiner gets: the source rendered into the target camera (magnified
    surfaces kept whole: ``cover_magnified``, ``cover_surfaces``) with holes up to
    ``SMALL_HOLE_SIZE - 1`` px interpolated and colour resampled from the source (and from
    its finer pixels where the view magnifies it)."""
    target_intrinsics = intrinsics if target_intrinsics is None else target_intrinsics
    alpha = edge_alpha(disparity).detach()  # once, for the splat and the mesh
    splatted = splat(features, disparity, intrinsics, transform, target_intrinsics=target_intrinsics, alpha=alpha,
                     alpha_threshold=ALPHA_THRESHOLD, coverage_threshold=COVERAGE_THRESHOLD)
    covered = cover_surfaces(cover_magnified(splatted), features, disparity, alpha, intrinsics, transform,
                             target_intrinsics)
    filled = fill_small_holes(covered)
    return resample_colour(filled, features[:, :3], disparity, intrinsics, target_intrinsics, transform, detail)


def _blur(x: torch.Tensor) -> torch.Tensor:
    return gaussian_blur2d(x, (DETAIL_KERNEL, DETAIL_KERNEL), (DETAIL_SIGMA, DETAIL_SIGMA))


def _blur_along_rows(x: torch.Tensor) -> torch.Tensor:
    return gaussian_blur2d(x, (1, DETAIL_KERNEL), (1.0, DETAIL_SIGMA))


def _rendered_weight(valid: torch.Tensor) -> torch.Tensor:  # [B, 1, H, W] in [0, 1]
    """How much of each pixel comes from the render: 1 inside rendered areas, feathered over
    ``FEATHER_PX`` pixels inside their edges so no seam shows, and 0 in the holes (whose
    rendered colour is black: a blur reaching past the edge drew a dark line along it)."""
    feather = gaussian_blur2d(erosion(valid.float(), torch.ones(3, 3, device=valid.device)), (5, 5), (1.0, 1.0))
    return feather * valid


def keep_rendered(
    rgb: torch.Tensor,  # [B, 3, H, W] refined
    disparity: torch.Tensor,  # [B, 1, H, W] refined
    splatted: SplatResult,  # features [B, 3+, H, W] (first three: colour)
    sky: torch.Tensor,  # [B, 1, H, W] bool: which rendered pixels are sky (ignored in the holes)
    sky_fill: tuple[torch.Tensor, torch.Tensor] | None = None,  # sky colours [B, 3, H, W], weight [B, 1, H, W]
    seen_from: SourceView | None = None,  # the view the splat came from: no fill where it saw through
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:  # rgb, disparity, the rendered weight
    """Rendered pixels as rendered. In the holes: the colours of the rendered surroundings
    (``pull_push``), made lighter or darker as the refiner's smoothed colour is against
    theirs (its mean over the channels, by at most ``COLOUR_LEEWAY``; its hue, often teal,
    cast the larger fills of long flights blue-grey), plus the surroundings' texture
    mirrored into the hole (``mirror_into_holes``, its detail above a blur; none on the
    rendered pixels the feather blends, whose detail it doubled); in a strip at the frame's
    side, the rendered ground ``SIDE_STRIP_SHIFT`` of the width further in, copied out as one piece
    with the colour beside the strip fading into it (``copy_into_strips``: continued rows
    drew horizontal streaks and hatching across wide strips), and where that copy finds no
    rendered ground, the colour and texture of its rows, continued from the rendered pixels beside it
    (``continue_rows``; the texture is what a blur along the rows leaves out, since the
    colour carries the structure across them: a blur in two dimensions mixed the water
    above into the top rows of the built-in example's island, which reached further into
    the frame, and the strip drew a near-black line along the island's top), with none of
    the refiner's colour there or in the feather beside the strip (its colour, a teal cast on
    the built-in example's island, showed as a block in the strip and as a dark line along
    the strip's edge where the feather held it). The refiner,
    trained on procedural worlds, gets the colour of large
    holes in real photos wrong (dark or teal blocks) and its detail is blocky; the
    surroundings' colour and texture cannot be. Its disparity is kept only in the side
    strips (continued rows of the nearest pixel's disparity made walls that later frames
    magnified into bands); other holes take the surroundings' disparity (``pull_push``),
    which, with the magnified surfaces' mesh (``cover_surfaces``), lowered the frames'
    disparity error at step 20 in 15 of 20 held-out worlds and raised it in none. The
    surroundings are the rendered ground (all rendered pixels in a view without ground), since sky colour
    carried into ground holes would build up as haze over a long flight. Holes that are sky
    show ``sky_fill``'s colours (the flight's sky dome) where its weight says so, before the
    feathered blend with the rendered pixels: blended after it, the ground colour the hole
    held would show as a dark line along every border between rendered and generated sky.
    With ``seen_from``, no hole is nearer than the space that view saw through
    (``render.free_space``): a fill there moves back along its ray to what it could not see."""
    keep = _rendered_weight(splatted.valid)
    rendered = splatted.features[:, :3]
    ground = splatted.valid & ~sky
    has_ground = ground.flatten(1).any(dim=1).view(-1, 1, 1, 1)
    source = torch.where(has_ground, ground, splatted.valid)
    around = pull_push(torch.cat([rendered, splatted.disparity], dim=1), source)  # colour and disparity
    around, around_disparity = around[:, :3], around[:, 3:]
    mirrored, found = mirror_into_holes(rendered, source)
    mirrored = torch.where(found, mirrored, around)  # no mirror image inside the frame: smooth there
    texture = (mirrored - _blur(mirrored)) * (found & ~splatted.valid)  # rendered pixels have their own
    side = open_to_side(splatted.valid) & ~source & has_ground
    disparity = torch.where(side, disparity, around_disparity)
    moved = torch.zeros_like(side)
    if seen_from is not None:  # no fill in the space the source saw through: back to what it could not see
        holes = ~splatted.valid & has_ground
        carved = carve_free_space(disparity, holes, seen_from)
        moved = holes & (carved < disparity * (1 - CARVE_TOLERANCE))
        disparity = carved
    shade = _blur((rgb - around).mean(dim=1, keepdim=True))  # the refiner's brightness, no hue, no detail (a blur is linear)
    colour = around + shade.clamp(-COLOUR_LEEWAY, COLOUR_LEEWAY)
    if bool(side.any()):
        rows = side & ~moved  # a strip's pixels moved back lie beyond the rows beside them: the surroundings' colour
        shift = round(SIDE_STRIP_SHIFT * rendered.shape[-1])
        strip_copy, in_copy = copy_into_strips(rendered, source, rows, shift, SIDE_STRIP_DECAY)
        run_on = rows & ~in_copy  # where the copy finds no rendered ground: the rows continued
        if bool(run_on.any()):
            row_colour, row_texture = continue_rows(rendered, source, SIDE_STRIP_SIGMA)
            around = torch.where(run_on, row_colour, around)
            texture = torch.where(run_on, row_texture - _blur_along_rows(row_texture), texture)
        around = torch.where(in_copy, strip_copy, around)
        texture = torch.where(in_copy, 0.0, texture)
        beside = F.max_pool2d(side.float(), 2 * FEATHER_PX + 1, stride=1, padding=FEATHER_PX) > 0
        colour = torch.where(beside, around, colour)  # the strips and their feather: none of the refiner's colour
    rgb = (colour + texture).clamp(0, 1)
    if sky_fill is not None:
        sky_rgb, sky_weight = sky_fill
        rgb = rgb + (sky_rgb - rgb) * sky_weight
    rgb = rgb + (rendered - rgb) * keep
    disparity = disparity + (splatted.disparity.clamp_min(DISPARITY_MIN) - disparity) * keep
    return rgb, disparity, keep
