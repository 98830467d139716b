"""The view-dependent colour of flat water.

Water seen at a grazing angle mirrors the bright horizon; seen from above it is dark. A
flight keeps rendered pixels as its anchor saw them, so far water, once the camera had flown
on over it, stayed as bright as it looked from afar: the built-in example's lake turned grey
within 100 frames, and open water (validation world 6009) made the flight furthest from its
truth. Where the first frame's depth holds one exactly flat, level plane over a large part of
the view (lakes and seas of procedural worlds, or any depth map from a renderer),
``find_water`` takes the plane and its colour against the grazing angle, and ``reshade``
gives each rendered pixel on it that colour at the angle it is seen at now, plus its own
difference from the colour at the angle its anchor saw it at (what it mirrors), scaled by how
much less or more the water mirrors now (Fresnel). The flight carries which pixels are water
from anchor to anchor (a feature channel beside sky) and adds any pixel no nearer than the
plane: tested on the rendered disparity alone, the pixels that resampling or a fill had moved
off the plane missed the correction, and each new anchor kept them bright (dots and triangles of
far-water colour on held-out world 5050's sea).

Small bright highlights on that water in the first frame (the sun's mirror image and its
sparkles: ``find_glints``) are taken off the water and drawn each frame where their
direction is (``Glints``): a mirror image lies in a fixed direction, as the sky does, so it
stays put on the screen while the camera flies on. Left on the water, the built-in example's
sun glint grew into a blurred white blob as the flight came over it.

The built-in depth network's maps of photos are never that flat (3-5% of a frame within
0.1% of one plane, against 53% for a world's lake), so flights from photos are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import math

import torch
import torch.nn.functional as F
from kornia.filters import gaussian_blur2d

from infinite_nature.disparity import DISPARITY_MIN
from infinite_nature.geometry.projection import unproject

PLANE_TOLERANCE = 1e-3  # distance from the plane, as a share of the distance from the camera
WATER_TOLERANCE = 0.02  # how much nearer than the plane a rendered pixel may lie and still show it (resampled disparity)
WATER_REFLECTANCE = 0.02  # the share of light water mirrors straight down (refractive index 1.33)
MIN_PLANE_SHARE = 0.2  # of the frame's pixels, for a plane to count as water
MIN_LEVEL = 0.9  # |normal . up| of a level plane (the first camera's up is the flight's)
PLANE_TRIALS = 200  # random three-point planes tried
PROFILE_BINS = 16  # colour-by-angle samples, each an equal share of the plane's pixels
GLINT_CONTRAST = 0.08  # a water pixel this much brighter (mean of RGB) than the water beside it in its row is a glint
GLINT_DEGREES = 3.0  # ... where that brightness is narrower than this; wider bright water is the angle profile's
SHORE_DEGREES = 0.6  # and no nearer than this to what is not water (a shore's bright rim lies on the ground)


class PlaneView(NamedTuple):
    """Where a view's pixel rays meet a plane (``WaterPlane.view``)."""

    points: torch.Tensor  # [B, 3, H, W] the meeting points
    depth: torch.Tensor  # [B, 1, H, W] their depth (z) in the camera; <= 0 where a ray does not reach the plane
    camera: torch.Tensor  # [3] the camera's position
    sine: torch.Tensor  # [B, 1, H, W] sine of the grazing angle the camera sees each point at
    colour: torch.Tensor | None  # [B, 3, H, W] the plane's colour at the angle this view sees each point (None
    # while the plane has no colour profile yet)

    def disparity(self) -> torch.Tensor:  # [B, 1, H, W]
        """Disparity of the plane along each ray; the far plane's where a ray does not reach it."""
        return torch.where(self.depth > 0, 1 / self.depth.clamp_min(1e-6), DISPARITY_MIN)


@dataclass
class WaterPlane:
    """A level plane in the flight's frame (the first camera's) and its colour by grazing angle."""

    normal: torch.Tensor  # [3] unit
    offset: float  # points on the plane: normal . p = offset
    sines: torch.Tensor  # [K] sine of the grazing angle, increasing
    colours: torch.Tensor  # [K, 3] the plane's mean colour at those angles

    def view(self, intrinsics: torch.Tensor, pose: torch.Tensor, height: int, width: int) -> PlaneView:
        """Where each pixel's ray from the camera at ``pose`` meets the plane."""
        ones = torch.ones(intrinsics.shape[0], 1, height, width, dtype=self.normal.dtype, device=self.normal.device)
        camera = pose[:3, 3].to(ones)
        rays = world_points(ones, intrinsics.to(ones), pose) - camera.view(1, 3, 1, 1)  # z = 1 in the camera
        towards = (self.normal.view(1, 3, 1, 1) * rays).sum(dim=1, keepdim=True)
        depth = (self.offset - float(self.normal @ camera)) / torch.where(towards.abs() < 1e-9, 1e-9, towards)
        points = camera.view(1, 3, 1, 1) + rays * depth.clamp(0, 1e6)
        sine = self.sine(points, camera)
        colour = self.colour(sine) if len(self.sines) >= 2 else None
        return PlaneView(points, depth, camera, sine, colour)

    @staticmethod
    def covers(seen: PlaneView, disparity: torch.Tensor, tolerance: float) -> torch.Tensor:  # [B, 1, H, W] bool
        """Pixels whose depth (1 / ``disparity``) is no nearer than ``tolerance`` short of the plane
        along their ray: the plane itself, or what a fill or resampling put a little beyond it
        (nothing shows through water), but not what stands on it."""
        depth = seen.depth
        return (depth > 0) & (1.0 / disparity.to(depth).clamp_min(1e-6) > (1 - tolerance) * depth)

    def sine(self, points: torch.Tensor, camera: torch.Tensor) -> torch.Tensor:  # [B, 3, H, W], [3] -> [B, 1, H, W]
        """Sine of the angle between the plane and the ray from ``camera`` to each point."""
        ray = points - camera.view(1, 3, 1, 1)
        along = (self.normal.view(1, 3, 1, 1) * ray).sum(dim=1, keepdim=True).abs()
        return along / ray.square().sum(dim=1, keepdim=True).sqrt().clamp_min(1e-9)

    def colour(self, sine: torch.Tensor) -> torch.Tensor:  # [B, 1, H, W] -> [B, 3, H, W]
        """The profile's colour at ``sine``, linearly interpolated, held beyond its ends."""
        flat = sine.flatten().clamp(float(self.sines[0]), float(self.sines[-1]))
        upper = torch.searchsorted(self.sines, flat).clamp(1, len(self.sines) - 1)
        low, high = self.sines[upper - 1], self.sines[upper]
        share = ((flat - low) / (high - low).clamp_min(1e-9))[:, None]
        values = self.colours[upper - 1] + (self.colours[upper] - self.colours[upper - 1]) * share  # [N, 3]
        batch, _, height, width = sine.shape
        return values.view(batch, height, width, 3).permute(0, 3, 1, 2)


def world_points(
    disparity: torch.Tensor,  # [B, 1, H, W] > 0
    intrinsics: torch.Tensor,  # [B, 3, 3]
    pose: torch.Tensor,  # [4, 4] camera-to-world
) -> torch.Tensor:  # [B, 3, H, W]
    """Every pixel's surface point in the flight's frame."""
    camera = unproject(1.0 / disparity, intrinsics.to(disparity)).permute(0, 3, 1, 2)  # [B, 3, H, W]
    rotation, translation = pose[:3, :3].to(disparity), pose[:3, 3].to(disparity)
    return torch.einsum("ij,bjhw->bihw", rotation, camera) + translation.view(1, 3, 1, 1)


def find_water(
    rgb: torch.Tensor,  # [1, 3, H, W]
    disparity: torch.Tensor,  # [1, 1, H, W]
    sky: torch.Tensor,  # [1, 1, H, W] bool
    intrinsics: torch.Tensor,  # [1, 3, 3]
) -> tuple[WaterPlane, torch.Tensor] | None:  # the plane, and which of the frame's pixels lie on it ([1, 1, H, W] bool)
    """The first frame's flat, level plane covering ``MIN_PLANE_SHARE`` of the view, with its
    colour by grazing angle, and its pixels (within ``PLANE_TOLERANCE``, not sky); None when
    there is none (deterministic: a fixed random seed)."""
    camera = torch.zeros(3, dtype=disparity.dtype, device=disparity.device)
    identity = torch.eye(4, dtype=disparity.dtype, device=disparity.device)
    points = world_points(disparity, intrinsics, identity)
    ground = (~sky[0, 0]).flatten()
    candidates = points[0].flatten(1).T[ground]  # [N, 3]
    if candidates.shape[0] < MIN_PLANE_SHARE * disparity.numel():
        return None
    generator = torch.Generator().manual_seed(0)
    picks = torch.randint(candidates.shape[0], (PLANE_TRIALS, 3), generator=generator).to(candidates.device)
    a, b, c = candidates[picks].unbind(1)  # [T, 3] each
    normals = torch.linalg.cross(b - a, c - a)
    normals = normals / normals.norm(dim=1, keepdim=True).clamp_min(1e-12)
    offsets = (normals * a).sum(dim=1)
    reach = PLANE_TOLERANCE * candidates.norm(dim=1)  # [N]
    inliers = ((normals @ candidates.T - offsets[:, None]).abs() < reach).sum(dim=1)  # [T]
    inliers = torch.where(normals[:, 1].abs() >= MIN_LEVEL, inliers, 0)
    best = int(inliers.argmax())
    if int(inliers[best]) < MIN_PLANE_SHARE * disparity.numel():
        return None
    plane = WaterPlane(normals[best], float(offsets[best]), torch.empty(0), torch.empty(0, 3))
    on = plane.covers(plane.view(intrinsics, identity, *disparity.shape[-2:]), disparity, PLANE_TOLERANCE) & ~sky
    sines = plane.sine(points, camera)[on]  # [M]
    smooth = gaussian_blur2d(rgb, (7, 7), (2.0, 2.0))  # the plane's colour, not its ripples
    colours = smooth.permute(0, 2, 3, 1)[on[:, 0]]  # [M, 3]
    order = sines.argsort()
    bins = [chunk for chunk in order.chunk(PROFILE_BINS) if chunk.numel() > 0]
    plane.sines = torch.stack([sines[chunk].mean() for chunk in bins])
    plane.colours = torch.stack([colours[chunk].mean(dim=0) for chunk in bins])
    keep = torch.cat([torch.ones(1, dtype=torch.bool, device=sines.device), plane.sines[1:] > plane.sines[:-1]])
    plane.sines, plane.colours = plane.sines[keep], plane.colours[keep]
    return (plane, on) if len(plane.sines) >= 2 else None


def fresnel_reflectance(sine: torch.Tensor) -> torch.Tensor:  # [...] -> [...]
    """How much light water mirrors at a grazing angle of this sine (Schlick's approximation:
    2% straight down, all of it at a grazing angle of 0)."""
    return WATER_REFLECTANCE + (1 - WATER_REFLECTANCE) * (1 - sine.clamp(0, 1)) ** 5


def reshade(
    rgb: torch.Tensor,  # [B, 3, H, W] rendered colours
    water: torch.Tensor,  # [B, 1, H, W] bool, or a share in [0, 1]: how much of each rendered pixel shows the plane
    seen: PlaneView,  # the plane as this view sees it
    source_camera: torch.Tensor,  # [3] position of the camera the colours were seen from (the anchor's)
    plane: WaterPlane,
) -> torch.Tensor:  # [B, 3, H, W]
    """``rgb`` with each ``water`` pixel moved to the plane's colour at this view's grazing angle,
    plus its difference from the plane's colour at the source camera's angle scaled by the
    change in how much the water mirrors (``fresnel_reflectance``). The angles come from where
    each pixel's ray meets the plane, not from the rendered disparity, which resampling moves
    a little.

    What sets a water pixel apart from the plane's colour at its angle is mostly what it
    mirrors (an island's dark reflection below its shore, a cloud's, ripples catching the
    sky), and that fades as the water mirrors less. Moved by the plane's change alone, the
    dark reflection below the built-in example's island, darker than the water by as much
    as the water darkened on the way in, went black: near-black boxes along the shore."""
    share = water.to(rgb.dtype) * (seen.depth > 0)
    if not bool(share.any()):
        return rgb
    source = source_camera.to(seen.points)
    source_sine = plane.sine(seen.points, source)
    before = plane.colour(source_sine).to(rgb)
    mirrored = (fresnel_reflectance(seen.sine) / fresnel_reflectance(source_sine)).to(rgb)
    shaded = seen.colour.to(rgb) + (rgb - before) * mirrored
    return torch.where(share > 0, rgb + (shaded.clamp(0, 1) - rgb) * share, rgb)


@dataclass
class Glints:
    """Highlights taken off the first frame's water: the colour each of their pixels added and its
    direction (mirror images of things at infinity lie in fixed directions), seen only on water."""

    directions: torch.Tensor  # [N, 3] in the flight's frame (the first camera's), z = 1 in it
    colours: torch.Tensor  # [N, 3] the colour each added

    def seen_from(self, intrinsics: torch.Tensor, rotation: torch.Tensor,  # [1, 3, 3], [3, 3] camera-to-world
                  height: int, width: int) -> torch.Tensor:  # [1, 3, H, W]
        """The glints where a camera with this rotation sees their directions, each pixel's colour
        shared bilinearly among the four pixels round it (a few dozen pixels: cheaper than
        sampling the whole frame)."""
        projected = self.directions @ rotation.to(self.directions) @ intrinsics[0].T.to(self.directions)  # [N, 3]
        seen = torch.zeros(3, height * width, dtype=self.colours.dtype, device=self.colours.device)
        ahead = projected[:, 2] > 1e-6
        uv, colours = projected[ahead, :2] / projected[ahead, 2:], self.colours[ahead]
        base = uv.floor()
        fraction = uv - base
        for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
            column, row = base[:, 0].long() + dx, base[:, 1].long() + dy
            weight = (fraction[:, 0] if dx else 1 - fraction[:, 0]) * (fraction[:, 1] if dy else 1 - fraction[:, 1])
            inside = (column >= 0) & (column < width) & (row >= 0) & (row < height)
            seen.index_add_(1, (row * width + column)[inside], (colours[inside] * weight[inside, None]).T)
        return seen.view(1, 3, height, width)


def _row_opening(image: torch.Tensor, inside: torch.Tensor, span: int) -> torch.Tensor:
    """``image`` with what is brighter than its surroundings over less than ``span`` pixels of its
    row taken out (the least, then the greatest, over ``span``), using only ``inside`` pixels."""
    kernel, padding = (1, span), (0, span // 2)
    least = -F.max_pool2d(-torch.where(inside, image, math.inf), kernel, stride=1, padding=padding)
    return F.max_pool2d(torch.where(inside, least, -math.inf), kernel, stride=1, padding=padding)


def find_glints(
    rgb: torch.Tensor,  # [1, 3, H, W]
    water: torch.Tensor,  # [1, 1, H, W] bool: the first frame's water
    intrinsics: torch.Tensor,  # [1, 3, 3]
) -> tuple[torch.Tensor, Glints | None]:  # rgb without its glints, and the glints (None: there are none)
    """Water pixels ``GLINT_CONTRAST`` brighter than the water within ``GLINT_DEGREES`` along their
    row and ``SHORE_DEGREES`` or more from anything else (shallows and the bright rims of shores
    are as bright and as narrow, but lie on the ground, not in the sky's direction), with a
    pixel's halo round them; ``rgb`` minus the glints plus the glints is ``rgb``."""
    pixels_per_degree = float(intrinsics[0, 0, 0]) * math.pi / 180
    span = 2 * max(1, round(GLINT_DEGREES * pixels_per_degree / 2)) + 1
    shore = 2 * max(1, round(SHORE_DEGREES * pixels_per_degree)) + 1
    background = torch.where(water, _row_opening(rgb, water, span), rgb)
    open_water = -F.max_pool2d(-water.float(), shore, stride=1, padding=shore // 2) > 0.5
    bright = open_water & ((rgb - background).mean(dim=1, keepdim=True) > GLINT_CONTRAST)
    if not bool(bright.any()):
        return rgb, None
    glint = water & (F.max_pool2d(bright.float(), 3, stride=1, padding=1) > 0.5)
    layer = torch.where(glint, (rgb - background).clamp_min(0), 0)
    rows, columns = glint[0, 0].nonzero().unbind(1)
    pixels = torch.stack([columns, rows, torch.ones_like(rows)], dim=1).to(intrinsics)  # [N, 3]
    directions = pixels @ torch.linalg.inv(intrinsics[0]).T  # camera rotation: the identity
    return rgb - layer, Glints(directions, layer[0, :, rows, columns].T)
