"""Aerial perspective: distant ground fades into the colour of the horizon, and clears as it nears.

Air between the camera and a surface scatters light: what a pixel shows is the surface's own
colour ``J`` seen through a transmittance ``t = exp(-density * distance)``, plus the airlight
``A`` (the horizon sky's colour) for the rest, ``I = J t + A (1 - t)``. A flight keeps rendered
pixels as its anchor saw them, so ground the first frame saw far off kept all its haze as the
camera flew up to it: far hills became a pale band that the flight then stretched over the
frame. ``AerialPerspective.fit`` reads ``A`` from the sky just above the ground and the density
from how the first frame's ground colour moves towards ``A`` with distance; ``clear`` moves each
rendered pixel to the haze of the distance it is seen at now, ``I' = A + (I - A) t' / t``.

Only the ratio of the two transmittances enters, so the surface colour is never solved for:
the change is bounded by ``MAX_CLEARING`` (ground seen through almost all haze keeps too
little of its own colour to bring back), and haze added by flying away is unbounded.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from infinite_nature.disparity import DISPARITY_MIN
from infinite_nature.geometry.projection import unproject

AIRLIGHT_ROWS = 3  # sky pixels at most this many rows above the ground give the airlight
MIN_AIRLIGHT_PIXELS = 8  # fewer such sky pixels (a frame with no horizon): no haze model
DISTANCE_BINS = 16  # the ground's mean colour by distance, each bin an equal share of its pixels
MIN_GROUND_SHARE = 0.1  # of the frame, for a fit
MIN_DEPTH_RANGE = 8.0  # the ground's 95th percentile of distance over its 5th: a close view's colours say nothing of haze
DENSITY_EXPONENTS = (-4.0, 0.0, 200)  # densities tried: 200 from 1e-4 to 1 per scene unit, evenly in log (distances are 1 to 100 and more)
MIN_EXPLAINED = 0.8  # of the binned colours' variance the fit must explain
# The fit's density is used as it is. Ground colour also changes with distance for other
# reasons (near grass, far rock), so on validation and training worlds (6000-6039,
# 100000-100039) it was a median 1.5 times the worlds' own; but scaled down by that, flights
# cleared too little (ground they flew over stayed hazier than the truth: validation long
# flights 32.94 dB against 33.79 unscaled, model card History, fifteenth session).
MIN_HAZE = 0.15  # haze at the farthest bin below this: too little to model
MAX_CLEARING = 3.0  # most a pixel's difference from the airlight may grow by


def _surface_points(disparity: torch.Tensor, intrinsics: torch.Tensor) -> torch.Tensor:  # -> [B, H, W, 3]
    """Every pixel's surface point in its camera's frame (disparity gives z; holes at the far plane)."""
    return unproject(1.0 / disparity.clamp_min(DISPARITY_MIN), intrinsics.to(disparity))


def ray_distance(disparity: torch.Tensor, intrinsics: torch.Tensor) -> torch.Tensor:
    """Distance from the camera to every pixel's surface, ``[B, 1, H, W]``."""
    return _surface_points(disparity, intrinsics).norm(dim=-1)[:, None]


def airlight(rgb: torch.Tensor, sky: torch.Tensor) -> torch.Tensor | None:  # [1, 3, H, W], [1, 1, H, W] -> [3]
    """The median colour of the sky just above the ground (None when too little sky meets it)."""
    ground = ~sky
    above_ground = torch.zeros_like(sky)
    for rows in range(1, AIRLIGHT_ROWS + 1):
        above_ground[..., :-rows, :] |= ground[..., rows:, :]
    edge = (sky & above_ground)[0, 0]
    if int(edge.sum()) < MIN_AIRLIGHT_PIXELS:
        return None
    return rgb[0][:, edge].median(dim=1).values


@dataclass
class AerialPerspective:
    airlight: torch.Tensor  # [3] colour that infinitely distant ground takes
    density: float  # per scene unit of distance

    @classmethod
    def fit(
        cls,
        rgb: torch.Tensor,  # [1, 3, H, W]
        disparity: torch.Tensor,  # [1, 1, H, W]
        sky: torch.Tensor,  # [1, 1, H, W] bool
        intrinsics: torch.Tensor,  # [1, 3, 3]
        exclude: torch.Tensor | None = None,  # [1, 1, H, W] bool: ground whose colour is not the haze's (water)
    ) -> AerialPerspective | None:
        """The haze of the first frame, or None where the frame does not show it: no sky meets the
        ground, too little ground, colour that does not move towards the airlight with distance."""
        colour_of_air = airlight(rgb, sky)
        if colour_of_air is None:
            return None
        ground = ~sky & (disparity > DISPARITY_MIN * 1.01)  # the far plane's distance is a clip, not a measure
        if exclude is not None:
            ground &= ~exclude
        if int(ground.sum()) < MIN_GROUND_SHARE * ground.numel():
            return None
        distance = ray_distance(disparity, intrinsics)[ground]  # [N]
        near, far = torch.quantile(distance, torch.tensor([0.05, 0.95], dtype=distance.dtype, device=distance.device))
        if float(far) < MIN_DEPTH_RANGE * float(near):
            return None
        colour = rgb[0][:, ground[0, 0]].T - colour_of_air  # [N, 3] difference from the airlight
        edges = torch.quantile(distance, torch.linspace(0, 1, DISTANCE_BINS + 1, dtype=distance.dtype,
                                                         device=distance.device))
        bins = torch.bucketize(distance, edges[1:-1])
        count = torch.bincount(bins, minlength=DISTANCE_BINS).to(colour)[:, None]  # [K, 1]
        mean_distance = torch.zeros(DISTANCE_BINS, 1, dtype=colour.dtype, device=colour.device).index_add_(
            0, bins, distance[:, None]) / count.clamp_min(1)
        mean_colour = torch.zeros(DISTANCE_BINS, 3, dtype=colour.dtype, device=colour.device).index_add_(
            0, bins, colour) / count.clamp_min(1)  # [K, 3]
        densities = torch.logspace(*DENSITY_EXPONENTS, dtype=colour.dtype, device=colour.device)
        transmittance = torch.exp(-densities[:, None, None] * mean_distance)  # [D, K, 1]
        surface = (count * transmittance * mean_colour).sum(1) / (count * transmittance.square()).sum(1)  # [D, 3]
        residual = (count * (mean_colour - surface[:, None] * transmittance).square()).sum(dim=(1, 2))  # [D]
        best = int(residual.argmin())
        spread = (count * (mean_colour - (count * mean_colour).sum(0) / count.sum()).square()).sum()
        density = float(densities[best])
        haze_far = 1.0 - float(torch.exp(-density * mean_distance.max()))
        if float(residual[best]) > (1 - MIN_EXPLAINED) * float(spread) or haze_far < MIN_HAZE:
            return None
        return cls(colour_of_air, density)

    def clear(
        self,
        rgb: torch.Tensor,  # [B, 3, H, W] rendered colours, with the haze of ``seen_from``'s distances
        share: torch.Tensor,  # [B, 1, H, W] how much of each pixel is ground this applies to (0 for sky)
        seen_from: torch.Tensor,  # [B, 1, H, W] distance from the camera the colours were seen from
        seen_at: torch.Tensor,  # [B, 1, H, W] distance from this camera
    ) -> torch.Tensor:  # [B, 3, H, W]
        """``rgb`` with the haze of the distances it is seen at now."""
        gain = torch.exp(self.density * (seen_from - seen_at)).clamp(max=MAX_CLEARING)  # t' / t
        air = self.airlight.to(rgb).view(1, 3, 1, 1)
        return (rgb + (rgb - air) * (gain - 1) * share).clamp(0, 1)


def distances_from(
    disparity: torch.Tensor,  # [B, 1, H, W] rendered
    intrinsics: torch.Tensor,  # [B, 3, 3] the rendering camera's
    transform: torch.Tensor,  # [B, 4, 4] source camera -> rendering camera
) -> tuple[torch.Tensor, torch.Tensor]:  # [B, 1, H, W] each: from the source camera, from the rendering camera
    """How far each rendered surface point lies from the camera it was seen from and from this one."""
    points = _surface_points(disparity, intrinsics)  # [B, H, W, 3]
    source = transform[:, :3, 3].to(points)[:, None, None]  # the source camera's centre, in this camera's frame
    return (points - source).norm(dim=-1)[:, None], points.norm(dim=-1)[:, None]
