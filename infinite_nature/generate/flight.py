"""The render-refine-repeat loop: a flight that yields frames one at a time.

Each step: next camera from the controller -> splat the anchor view (holes up to 12 px
across interpolated: cracks between magnified points, thin slivers; colour read back from
the anchor with a sharp kernel, one surface at a time) -> refine -> disparity
scale re-alignment against the rendered visible pixels (log-space least squares, as
Infinite Nature does) -> rendered pixels kept, refined ones shown in the holes -> sky
composite in sky holes from the flight's sky dome, rendered with rotation only -> frame.
The style code and the latents are fixed at the start, so a flight is deterministic for a
seed (on the CPU) and cannot drift in style.

Each resampling blurs a little, so frames are splatted from an *anchor* frame rather than
from the previous one, for as long as the anchor still covers ``ANCHOR_MIN_COVERAGE`` of
the new view; then the latest frame becomes the anchor. Resampling blur then builds up once
per anchor instead of once per frame. A photo's first frame may come with its finer pixels
(``detail``: the photo at 2 or 4 times the working size), which renders read where they
magnify the anchor (render/source_detail.py); each new anchor gets its own, read from the
previous anchor's (``finer_view``), until the flight has magnified past what the photo had.
A hole's fill lies no nearer than the space the anchor saw through (render/free_space.py):
behind a crest the camera climbs over, the crest's own nearness had run up into the opening.
Where the first frame holds flat water (render/water_shading.py), rendered water takes the
colour of the angle it is now seen at, not the anchor's, holes on it take that colour, and
the highlights the first frame shows on it (the sun's mirror image) stay in their direction
instead of on the water. Where the first frame shows haze (render/aerial_perspective.py),
rendered ground takes the haze of the distance it is now seen at: far hills clear as the
camera nears them instead of coming up as the pale band they were from afar.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import NamedTuple

import torch
import torch.nn.functional as F
from kornia.filters import gaussian_blur2d
from kornia.morphology import erosion

from infinite_nature.camera.base import CameraController, ViewState
from infinite_nature.disparity import DISPARITY_MAX, DISPARITY_MIN
from infinite_nature.generate.hole_refiner import refine_holes
from infinite_nature.geometry.intrinsics import intrinsics_from_fov
from infinite_nature.geometry.pose import relative_pose
from infinite_nature.render.aerial_perspective import AerialPerspective, distances_from
from infinite_nature.render.fill import (
    SKY_LABEL, WATER_LABEL, keep_rendered, render_for_refiner, splatted_ground, splatted_label,
)
from infinite_nature.render.free_space import SourceView
from infinite_nature.render.inpaint import axis_neighbours, nearest_known_along, pull_push, within_leeway
from infinite_nature.render.resample import finer_view
from infinite_nature.render.sky_dome import (
    CARRY_FADE_DEGREES,
    carry_round_dome,
    degrees_from,
    render_panorama,
    view_to_panorama,
)
from infinite_nature.render.source_detail import SourceDetail
from infinite_nature.render.splatting import SplatResult
from infinite_nature.render.water_shading import WATER_TOLERANCE, PlaneView, find_glints, find_water, reshade

logger = logging.getLogger(__name__)

SKY_DISPARITY = 0.02  # refined pixels this far away count as sky where the splat knew nothing
ANCHOR_MIN_COVERAGE = 0.8  # splat from the anchor frame while it still covers this share of the view
DOME_COLOUR_LEEWAY = 0.05  # how far the generated sky may stray from the observed sky carried round the dome
DOME_BLEND_DEGREES = 60.0  # ... a leeway reached this far from the observed sky; nearer, proportionally less


def _match_rows(dome: torch.Tensor, partial: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
    """Shift each dome row's colour so its mean matches the observed sky at that elevation.

    The sky varies mostly with elevation; matching the generated dome's per-row mean to the
    photo's (and carrying the nearest observed row's offset to rows the photo does not
    reach) hides the seam between observed and generated sky.
    """
    weight = known.sum(dim=-1, keepdim=True)  # [1, 1, H, 1]
    observed = (partial * known).sum(dim=-1, keepdim=True) / weight.clamp_min(1.0)
    generated = (dome * known).sum(dim=-1, keepdim=True) / weight.clamp_min(1.0)
    rows = (weight[0, 0, :, 0] > 0).nonzero().flatten()
    if rows.numel() == 0:
        return dome
    offset = observed - generated  # [1, 3, H, 1], meaningful on observed rows
    nearest = rows[(torch.arange(dome.shape[-2], device=dome.device)[:, None] - rows[None]).abs().argmin(dim=1)]
    return (dome + offset[:, :, nearest]).clamp(0, 1)


def sky_in_holes(refined_sky: torch.Tensor, sky: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Which pixels of a splatted view are sky ([B, 1, H, W] bool, like each input).

    Rendered pixels as rendered. A hole is sky when it lies no lower than the lowest rendered
    sky of its column (of the nearest column with some, where its own has none), or when the
    rendered pixels it meets on either side (``axis_neighbours``: along its row in a strip at
    the frame's side, even in the corner where ground below is nearer, along its column in one
    across the top) are all sky; it is ground when those are all ground; the refiner
    (``refined_sky``) decides the rest.

    Beyond the old frame's edge the view continues what the edge showed: the sky's lower
    boundary runs on level into a side strip, and ground does not grow above the sky. Left
    to the refiner (trained on procedural worlds), the strip a turn or a climb opens in a
    photo was partly ground in the sky (a patch growing in the sky's corner) and partly sky
    in the ground (bubbles of sky below a ridge), and the anchors kept and magnified both.
    Either rule alone still grew a block of ground down from the frame's top in one of the
    bundled photos: the column rule where a column had no sky left, the neighbour rule where
    a corner hole looked down a side strip to the ground below.
    """
    height = sky.shape[-2]
    rows = torch.arange(height, device=sky.device).view(1, 1, height, 1)
    lowest = torch.where(valid & sky, rows, -1).amax(dim=-2, keepdim=True)  # [B, 1, 1, W]; -1: none
    has_sky = lowest >= 0
    lowest = lowest.gather(-1, nearest_known_along(has_sky, -1).clamp_min(0))  # of the nearest column with sky
    above_sky = rows <= lowest  # [B, 1, H, W]; false everywhere in a view without sky
    (before, before_found), (after, after_found) = axis_neighbours(sky, valid)
    met = before_found | after_found
    all_sky = met & (before | ~before_found) & (after | ~after_found)
    all_ground = met & (~before | ~before_found) & (~after | ~after_found)
    return torch.where(valid, sky, above_sky | all_sky | (refined_sky & ~all_ground))


def _water_around(splatted: SplatResult) -> torch.Tensor:  # [1, 1, H, W] bool
    """Where rendered water surrounds each pixel: the splatted water label carried into the holes
    from the rendered ground round them (pull-push), at least half of it. Rendered pixels keep
    their own label."""
    rendered_water = splatted_label(splatted, WATER_LABEL) > 0.5
    return pull_push(rendered_water.float(), splatted_ground(splatted)) > 0.5


class Anchor(NamedTuple):
    """The frame that views are splatted from until it no longer covers them."""

    rgb: torch.Tensor  # [1, 3, H, W]
    disparity: torch.Tensor  # [1, 1, H, W]
    sky: torch.Tensor  # [1, 1, H, W] bool
    pose: torch.Tensor  # [4, 4] camera-to-world
    intrinsics: torch.Tensor  # [1, 3, 3]
    detail: SourceDetail | None  # its finer pixels, if it has them
    water: torch.Tensor | None  # [1, 1, H, W] bool: pixels on the first frame's water plane, if it has one

    def transform_to(self, pose: torch.Tensor) -> torch.Tensor:  # [1, 4, 4] float32: this camera -> ``pose``'s
        return relative_pose(self.pose[None], pose[None]).to(self.rgb.device, torch.float32)


@dataclass
class Frame:
    index: int
    rgb: torch.Tensor  # [1, 3, H, W] in [0, 1]
    disparity: torch.Tensor  # [1, 1, H, W] normalised; above 1 where a surface is nearer than the near plane
    sky: torch.Tensor  # [1, 1, H, W] bool
    pose: torch.Tensor  # [4, 4] camera-to-world, scene units (first camera at the origin)
    intrinsics: torch.Tensor  # [3, 3]
    recovering: bool = False


class Flight:
    """``for frame in Flight(...)``: an endless flight from one first frame (stop when you like).

    ``keep_visible`` (default) shows the refiner's output only where the splat left holes, so
    visible content stays exact; False lets the refiner repaint the whole frame (Infinite
    Nature's way), which costs sharpness and short-range fidelity with the shipped weights."""

    def __init__(
        self,
        rgb: torch.Tensor,  # [1, 3, H, W]
        disparity: torch.Tensor,  # [1, 1, H, W] normalised
        sky: torch.Tensor,  # [1, 1, H, W] bool
        fov_degrees: float,
        refiner: torch.nn.Module,
        sky_generator: torch.nn.Module,
        controller: CameraController,
        seed: int = 0,
        dtype: torch.dtype = torch.float32,
        keep_visible: bool = True,
        detail: torch.Tensor | None = None,  # [1, 3, kH, kW] the photo at k = 2 or 4 times rgb's size
        detail_octaves: bool = True,  # texture finer than the source where the flight magnifies past it
        aerial_perspective: bool = True,  # ground clears of the haze it was seen through as the camera nears it
    ) -> None:
        self.device = next(refiner.parameters()).device
        self.dtype = dtype
        self.refiner, self.sky_generator, self.controller = refiner, sky_generator, controller
        self.keep_visible = keep_visible
        height, width = rgb.shape[-2:]
        self.intrinsics = intrinsics_from_fov(fov_degrees, height, width, device=self.device)  # [1, 3, 3]
        generator = torch.Generator().manual_seed(seed)
        self.latent = refiner.sample_latent(1, generator).to(self.device)
        sky_latent = sky_generator.sample_latent(1, generator).to(self.device)
        self.rgb = rgb.to(self.device, torch.float32)
        self.disparity = torch.where(sky, DISPARITY_MIN, disparity).to(self.device, torch.float32)
        self.sky = sky.to(self.device)
        self.pose = torch.eye(4, dtype=torch.float64)
        self.detail_octaves = detail_octaves
        found = find_water(self.rgb, self.disparity, self.sky, self.intrinsics)  # None for photos (render/water_shading.py)
        self.water, self.water_mask = (None, None) if found is None else found
        self.glints = None  # highlights on the water, drawn where their direction is, not carried by the anchors
        if self.water is not None:
            self.rgb, self.glints = find_glints(self.rgb, self.water_mask, self.intrinsics)
        self.haze = None  # the first frame's haze, if it shows any (render/aerial_perspective.py)
        if aerial_perspective:
            self.haze = AerialPerspective.fit(self.rgb, self.disparity, self.sky, self.intrinsics, self.water_mask)
        if detail is not None:
            first_detail = SourceDetail.build(detail.to(self.device, torch.float32), self.disparity, detail_octaves)
        else:
            first_detail = SourceDetail.octaves_only(self.rgb) if detail_octaves else None
        self.anchor = Anchor(self.rgb, self.disparity, self.sky, self.pose, self.intrinsics, first_detail, self.water_mask)
        self.anchors_made = 1
        self.step = 0
        self.nonfinite_events = 0
        with torch.inference_mode(), self._autocast():
            self.style = refiner.encode_style(self.rgb)
            config = sky_generator.config
            self.dome_settings = (config.pano_height, config.pano_width, config.min_elevation)
            identity = torch.eye(3, device=self.device)[None]
            partial, known = view_to_panorama(self.rgb, self.sky, self.intrinsics, identity, *self.dome_settings)
            generated = sky_generator(partial, known, sky_latent).float()
            self.dome = self._sharp_dome(generated, identity)

    def _sharp_dome(self, generated: torch.Tensor, rotation: torch.Tensor) -> torch.Tensor:
        """The generated dome, with the sky the photo actually shows pasted back at a resolution that
        matches the photo (feathered), so the observed sky stays as sharp as in the first frame.
        Where the photo shows no sky, the observed sky carried round the dome
        (``carry_round_dome``), if it shows any, moved towards the generated colour by at most
        ``DOME_COLOUR_LEEWAY``, and by less nearer the observed sky (none at its edge, so no
        seam): the generator, trained on procedural skies, paints real skies in colours they
        lack (lavender beside a blue sky)."""
        height, width, min_elevation = self.dome_settings
        pixels_per_degree = self.rgb.shape[-1] / float(torch.rad2deg(2 * torch.atan(
            (self.rgb.shape[-1] / 2) / self.intrinsics[0, 0, 0])))
        factor = max(1, min(8, round(pixels_per_degree * 360.0 / width)))
        partial, known = view_to_panorama(self.rgb, self.sky, self.intrinsics, rotation,
                                          height * factor, width * factor, min_elevation)
        upsampled = _match_rows(F.interpolate(generated, scale_factor=factor, mode="bilinear", align_corners=False),
                                partial, known)
        observed = known > 0.5
        if bool(observed.any()):  # a photo without sky leaves the generated colours as they are
            reference = carry_round_dome(partial, observed, CARRY_FADE_DEGREES)
            near = F.max_pool2d(known, factor) > 0.5  # [1, 1, Hp, Wp]: the observed sky at the generator's size
            angle = F.interpolate(degrees_from(near, min_elevation), size=known.shape[-2:], mode="bilinear",
                                  align_corners=False)
            share = (angle / DOME_BLEND_DEGREES).clamp(max=1.0)  # of the leeway the generator may use
            upsampled = reference + (within_leeway(upsampled, reference, DOME_COLOUR_LEEWAY) - reference) * share
        # eroded by the blur's radius: the feather stays inside the observed sky (outside it,
        # ``partial`` is black and would show as a dark seam around the pasted sky)
        known = gaussian_blur2d(erosion(known, torch.ones(7, 7, device=known.device)), (7, 7), (2.0, 2.0))
        return upsampled + (partial - upsampled) * known

    def _autocast(self):
        enabled = self.dtype != torch.float32 and self.device.type in ("cuda", "cpu")
        return torch.autocast(self.device.type, dtype=self.dtype, enabled=enabled)

    def current(self, recovering: bool = False) -> Frame:
        rgb = self.rgb
        if self.glints is not None:  # on the water the view shows now, where their directions are
            rotation = self.pose[:3, :3].to(self.device, torch.float32)
            seen = self.glints.seen_from(self.intrinsics, rotation, *rgb.shape[-2:])
            rgb = (rgb + seen * self.water_mask).clamp(0, 1)
        return Frame(self.step, rgb, self.disparity, self.sky, self.pose.clone(), self.intrinsics[0].clone(), recovering)

    def __iter__(self) -> Iterator[Frame]:
        yield self.current()
        while True:
            yield self.advance()

    def _splat_from(self, anchor: Anchor, pose: torch.Tensor, target_k: torch.Tensor,
                    seen: PlaneView | None = None) -> SplatResult:
        """The anchor rendered at ``pose`` (features: colour, sky, and where the flight has water,
        which rendered pixels show it), its water coloured as seen from there (``reshade``;
        ``seen``: the water plane from ``pose``, needed where the flight has water).

        A rendered pixel shows water where the anchor's label says so or where it lies on the
        plane (within ``WATER_TOLERANCE``: resampling moves water pixels a little off it, and
        later anchors kept those bright). Its colour moves by the label's share of the water's
        change: the land at a shoreline lies on the plane too, and taking the change in full, the
        built-in example's island grew a dark rim along its shore where the truth shows a light
        beach. Where the flight has haze, the rest of each ground pixel takes the haze of its
        distance from ``pose`` instead of the anchor's."""
        labels = [anchor.sky] if anchor.water is None else [anchor.sky, anchor.water]
        features = torch.cat([anchor.rgb, *(label.float() for label in labels)], dim=1)
        transform = anchor.transform_to(pose)
        splatted = render_for_refiner(features, anchor.disparity, anchor.intrinsics, transform, target_k, anchor.detail)
        if self.water is None and self.haze is None:
            return splatted
        ground = splatted_ground(splatted)
        rgb, labels = splatted.features[:, :3], splatted_label(splatted, SKY_LABEL)
        land = ground.float()  # how much of each pixel is ground other than water
        if self.water is not None:
            label = splatted_label(splatted, WATER_LABEL)
            water = ground & ((label > 0.5) | self.water.covers(seen, splatted.disparity, WATER_TOLERANCE))
            water_share = torch.where(water, label.clamp(0, 1), 0.0)
            rgb = reshade(rgb, water_share, seen, anchor.pose[:3, 3], self.water)
            labels = torch.cat([labels, water.float()], dim=1)
            land = land - water_share
        if self.haze is not None:
            seen_from, seen_at = distances_from(splatted.disparity, target_k, transform)
            rgb = self.haze.clear(rgb, land, seen_from, seen_at)
        return replace(splatted, features=torch.cat([rgb, labels], dim=1))

    def _finer_current(self) -> SourceDetail | None:
        """The current frame's finer pixels, read from the anchor's, if it has any (a photo's first
        anchor does): so a new anchor keeps the detail the photo still has to give; and the
        octaves finer than those."""
        anchor = self.anchor
        if anchor.detail is None:
            return None
        if anchor.detail.factor == 1:
            return SourceDetail.octaves_only(self.rgb)
        fine = finer_view(self.rgb, self.disparity, ~self.sky, self.intrinsics, anchor.rgb, anchor.disparity,
                          anchor.intrinsics, anchor.transform_to(self.pose), anchor.detail)
        return SourceDetail.build(fine, self.disparity, self.detail_octaves)

    def _synthesise(
        self, splatted: SplatResult, pose: torch.Tensor, target_k: torch.Tensor, seen: PlaneView | None = None,
        water_around: torch.Tensor | None = None,  # [1, 1, H, W] bool, where the flight has water (``_water_around``)
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:  # rgb [1, 3, H, W], disparity [1, 1, H, W], sky bool
        """The view at ``pose`` from its splat: refined holes, their fills, the sky dome in sky holes.

        A splat without holes is the frame as it is (rendered pixels are kept), so the refiner
        and the fills are skipped: in auto-pilot flights about half the frames have none.
        Rendered disparity is not clipped at the near plane (1): a surface nearer than that,
        clipped, moved back out to 1 unit at every new anchor and flew along with the camera."""
        valid = splatted.valid
        splat_sky = splatted_label(splatted, SKY_LABEL) > 0.5
        if self.keep_visible and bool(valid.all()):
            return splatted.features[:, :3], splatted.disparity.clamp_min(DISPARITY_MIN), splat_sky
        with self._autocast():
            if self.keep_visible:  # only the holes show it: at the refiner's training size
                refined = refine_holes(self.refiner, splatted.features[:, :3], splatted.disparity, valid, self.style,
                                       self.latent)
            else:
                refined = self.refiner(splatted.features[:, :3], splatted.disparity, valid.float(), self.style,
                                       self.latent)
        rgb, disparity = refined.rgb.float(), refined.disparity.float()
        visible = valid & ~splat_sky & (splatted.disparity > DISPARITY_MIN)
        if bool(visible.any()):  # log-space least squares scale against what was rendered
            log_ratio = torch.log(splatted.disparity[visible]) - torch.log(disparity[visible].clamp_min(1e-6))
            disparity = (disparity * torch.exp(log_ratio.mean())).clamp(DISPARITY_MIN, DISPARITY_MAX)
        sky = sky_in_holes(disparity <= SKY_DISPARITY, splat_sky, valid)
        height, width = rgb.shape[-2:]
        sky_view = render_panorama(self.dome, target_k, pose[:3, :3][None].to(self.device, torch.float32),
                                   height, width, self.dome_settings[2])
        soft = gaussian_blur2d(erosion(sky.float(), torch.ones(3, 3, device=self.device)), (5, 5), (1.0, 1.0))
        if self.keep_visible:  # rendered pixels stay exactly as rendered; the holes get fills and the dome
            # no hole nearer than what the anchor saw through, nor beyond the water plane (nothing shows through it)
            seen_from = SourceView(self.anchor.disparity, self.anchor.intrinsics, self.anchor.transform_to(pose), target_k,
                                   None if seen is None else seen.disparity().to(disparity))
            rgb, disparity, kept = keep_rendered(rgb, disparity, splatted, splat_sky, sky_fill=(sky_view, soft),
                                                 seen_from=seen_from)
            if seen is not None:
                rgb = self._water_in_holes(rgb, disparity, sky, kept, splatted, seen, water_around)
        else:
            rgb = rgb + (sky_view - rgb) * soft
        return rgb, disparity, sky

    def _water_in_holes(
        self,
        rgb: torch.Tensor,  # [1, 3, H, W] the fills'
        disparity: torch.Tensor,  # [1, 1, H, W] the fills'
        sky: torch.Tensor,  # [1, 1, H, W] bool
        kept: torch.Tensor,  # [1, 1, H, W] how much of each pixel is rendered (keep_rendered)
        splatted: SplatResult,
        seen: PlaneView,
        around: torch.Tensor,  # [1, 1, H, W] bool: rendered water surrounds the pixel (``_water_around``)
    ) -> torch.Tensor:  # [1, 3, H, W]
        """Holes on the water plane amid rendered water take its colour at the angle they are seen
        at, off it as much as the rendered water round them is. Filled from the surroundings
        alone, the rows a backward or sideways move opens over water took the colour of the
        farther, paler water beside them, and a fill behind an island's tip took the island's.
        A hole amid land stays land even where its fill lies beyond the plane: holes low in the
        frame over the built-in example's island (fills a little farther than the ground beside
        them) had taken the water's pale colour, grey blobs by frame 450."""
        on_water = ~splatted.valid & ~sky & around & self.water.covers(seen, disparity, WATER_TOLERANCE)
        rendered_water = splatted.valid & (splatted_label(splatted, WATER_LABEL) > 0.5)
        if not (bool(on_water.any()) and bool(rendered_water.any())):
            return rgb
        profile = seen.colour.to(rgb)
        offset = pull_push(splatted.features[:, :3] - profile, rendered_water)
        return rgb + ((profile + offset).clamp(0, 1) - rgb) * on_water * (1 - kept)

    @torch.inference_mode()
    def advance(self) -> Frame:
        """Move to the controller's next camera and synthesise the view there."""
        state = ViewState(self.pose, self.intrinsics[0].double().cpu(), self.disparity[0, 0].cpu(), self.sky[0, 0].cpu(), self.step)
        next_pose = self.controller.next_pose(state)
        fov = self.controller.fov_at(self.step)
        height, width = self.rgb.shape[-2:]
        target_k = self.intrinsics if fov is None else intrinsics_from_fov(fov, height, width, device=self.device)
        seen = None if self.water is None else self.water.view(target_k, next_pose, height, width)
        splatted = self._splat_from(self.anchor, next_pose, target_k, seen)
        if float(splatted.valid.float().mean()) < ANCHOR_MIN_COVERAGE:
            self.anchor = Anchor(self.rgb, self.disparity, self.sky, self.pose, self.intrinsics, self._finer_current(),
                                 self.water_mask)
            self.anchors_made += 1
            splatted = self._splat_from(self.anchor, next_pose, target_k, seen)
        water_around = None if self.water is None else _water_around(splatted)
        rgb, disparity, sky = self._synthesise(splatted, next_pose, target_k, seen, water_around)
        disparity = torch.where(sky, torch.full_like(disparity, DISPARITY_MIN), disparity)
        if not (torch.isfinite(rgb).all() and torch.isfinite(disparity).all()):
            self.nonfinite_events += 1
            logger.warning("step %d produced NaN/inf; replaced by the previous frame's values", self.step + 1)
            rgb = torch.where(torch.isfinite(rgb), rgb, self.rgb)
            disparity = torch.where(torch.isfinite(disparity), disparity, self.disparity)
        if self.water is not None:  # rendered water as _splat_from found it; a hole takes its surroundings' label
            rendered_water = splatted_label(splatted, WATER_LABEL) > 0.5  # or its fill lies on the plane
            holes = water_around | self.water.covers(seen, disparity, WATER_TOLERANCE)
            self.water_mask = torch.where(splatted.valid, rendered_water, holes) & ~sky
        self.rgb, self.disparity, self.sky = rgb.clamp(0, 1), disparity, sky
        self.pose, self.intrinsics = next_pose, target_k
        self.step += 1
        return self.current(recovering=getattr(self.controller, "recovering", False))
