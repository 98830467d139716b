"""The sky dome: an equirectangular panorama at infinity, and its rendering by rotation only.

Convention: column 0 faces north (+z) and azimuth grows clockwise towards east (+x), over
the full 360 degrees; row 0 is the zenith and the last row is ``min_elevation`` degrees
(below the horizon, so haze bands and the horizon line are covered). A camera sees the
dome through its rotation alone, so the sky cannot drift or parallax over a long flight.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from infinite_nature.geometry.projection import pixel_grid
from infinite_nature.render.inpaint import first_known_along, nearest_known, nearest_known_along


def panorama_directions(
    height: int, width: int, min_elevation: float, dtype=torch.float32, device=None
) -> torch.Tensor:  # [H, W, 3] unit world directions at pixel centres
    """World direction of every panorama pixel."""
    rows = (torch.arange(height, dtype=dtype, device=device) + 0.5) / height
    cols = (torch.arange(width, dtype=dtype, device=device) + 0.5) / width
    elevation = torch.deg2rad(90.0 - rows * (90.0 - min_elevation))
    azimuth = cols * 2 * math.pi
    el, az = torch.meshgrid(elevation, azimuth, indexing="ij")
    return torch.stack([torch.cos(el) * torch.sin(az), -torch.sin(el), torch.cos(el) * torch.cos(az)], dim=-1)


def directions_to_panorama(directions: torch.Tensor, min_elevation: float) -> torch.Tensor:
    """Panorama coordinates in [0, 1]^2 (u: azimuth / 360, v: from zenith) of unit directions ``[..., 3]``."""
    elevation = torch.rad2deg(torch.asin((-directions[..., 1]).clamp(-1.0, 1.0)))
    azimuth = torch.atan2(directions[..., 0], directions[..., 2]) % (2 * math.pi)
    return torch.stack([azimuth / (2 * math.pi), (90.0 - elevation) / (90.0 - min_elevation)], dim=-1)


def camera_directions(intrinsics: torch.Tensor, rotation: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Unit world directions ``[B, H, W, 3]`` of a camera's pixels (``rotation`` is camera-to-world [B, 3, 3])."""
    pixels = pixel_grid(height, width, intrinsics.dtype, intrinsics.device)
    homogeneous = torch.cat([pixels, torch.ones_like(pixels[..., :1])], dim=-1).reshape(1, -1, 3)
    rays = homogeneous @ torch.linalg.inv(intrinsics).transpose(1, 2) @ rotation.transpose(1, 2)
    return F.normalize(rays, dim=-1).view(-1, height, width, 3)


def render_panorama(
    panorama: torch.Tensor,  # [B, C, Hp, Wp]
    intrinsics: torch.Tensor,  # [B, 3, 3]
    rotation: torch.Tensor,  # [B, 3, 3] camera-to-world rotation
    height: int,
    width: int,
    min_elevation: float,
) -> torch.Tensor:  # [B, C, H, W]
    """What a camera with this rotation sees of the dome (bilinear, seamless across north)."""
    uv = directions_to_panorama(camera_directions(intrinsics, rotation, height, width), min_elevation)
    wrapped = torch.cat([panorama[..., -1:], panorama, panorama[..., :1]], dim=-1)  # one column each side
    pano_width = panorama.shape[-1]
    x = (uv[..., 0] * pano_width + 0.5) / (pano_width + 2) * 2 - 1  # account for the wrap columns
    y = uv[..., 1] * 2 - 1
    grid = torch.stack([x, y], dim=-1).to(panorama.dtype)
    return F.grid_sample(wrapped, grid, mode="bilinear", padding_mode="border", align_corners=False)


def view_to_panorama(
    rgb: torch.Tensor,  # [B, 3, H, W]
    sky: torch.Tensor,  # [B, 1, H, W] bool or {0, 1}
    intrinsics: torch.Tensor,  # [B, 3, 3]
    rotation: torch.Tensor,  # [B, 3, 3]
    pano_height: int,
    pano_width: int,
    min_elevation: float,
) -> tuple[torch.Tensor, torch.Tensor]:  # ([B, 3, Hp, Wp] partial panorama, [B, 1, Hp, Wp] known mask)
    """Place a photo's visible sky on the dome: the partial panorama the sky generator completes."""
    batch, _, height, width = rgb.shape
    directions = panorama_directions(pano_height, pano_width, min_elevation, rgb.dtype, rgb.device)
    camera = directions.view(1, -1, 3) @ rotation  # world -> camera: R^T d, as row vectors d R
    z = camera[..., 2]
    projected = camera @ intrinsics.transpose(1, 2)
    u = projected[..., 0] / z.clamp_min(1e-6)
    v = projected[..., 1] / z.clamp_min(1e-6)
    inside = (z > 1e-6) & (u >= -0.5) & (u <= width - 0.5) & (v >= -0.5) & (v <= height - 0.5)
    grid = torch.stack([(u + 0.5) / width * 2 - 1, (v + 0.5) / height * 2 - 1], dim=-1).view(batch, pano_height, pano_width, 2)
    colour = F.grid_sample(rgb, grid, mode="bilinear", padding_mode="border", align_corners=False)
    sky_weight = F.grid_sample(sky.to(rgb.dtype), grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    known = (sky_weight > 0.99) & inside.view(batch, 1, pano_height, pano_width)
    return colour * known, known.to(rgb.dtype)


def degrees_from(known: torch.Tensor, min_elevation: float) -> torch.Tensor:  # [B, 1, Hp, Wp] bool -> float
    """Angle (degrees along elevation and azimuth, azimuth wrapping round north) from every
    panorama pixel to the nearest ``known`` one; about 1e6 for a panorama with none known."""
    height, width = known.shape[-2:]
    half = width // 2
    around = torch.cat([known[..., width - half:], known, known[..., :half]], dim=-1)  # north's two sides side by side
    nearest = nearest_known(around)[..., half: half + width]  # [B, 2, Hp, Wp] (row, column) in ``around``
    rows = torch.arange(height, device=known.device, dtype=nearest.dtype).view(1, 1, height, 1)
    columns = torch.arange(width, device=known.device, dtype=nearest.dtype).view(1, 1, 1, width) + half
    along_elevation = (nearest[:, :1] - rows) * (90.0 - min_elevation) / height
    along_azimuth = (nearest[:, 1:] - columns) * 360.0 / width
    return torch.sqrt(along_elevation**2 + along_azimuth**2)


# The observed sky at its edge fades into its elevation's mean colour over about this. The mean
# holds the sun's glow, so a sky darkening away from the sun brightened again beyond the photo's
# edge; at 10 degrees that showed as a vertical crease in the sunset photo's flight, and the
# carried sky came further from the held-out worlds' own domes within 30 degrees of the view's
# sky (L1 0.0362 against 0.0354). Longer fades carry a cloud or the sun at the edge further.
CARRY_FADE_DEGREES = 30.0


def carry_round_dome(
    values: torch.Tensor,  # [B, C, Hp, Wp] a panorama, meaningful where known
    known: torch.Tensor,  # [B, 1, Hp, Wp] bool, at least one pixel per panorama
    fade_degrees: float,
) -> torch.Tensor:  # [B, C, Hp, Wp], known pixels unchanged
    """The observed sky carried round the dome, one elevation at a time: an unknown azimuth takes
    a linear blend of the nearest known pixels either side (round north), fading into the
    mean of that elevation's known pixels as ``exp(-angle / fade_degrees)`` with the angle to
    the nearer one; an elevation with none takes the nearest elevation that has some.

    The sky varies mostly with elevation: a 2-D blend smears a sunset's bright horizon band
    into the dark sky above it and shows as an edge where the photo's sky ends, while the
    edge's own colours carried far would smear a cloud or the sun at the photo's edge round
    the whole dome."""
    width = values.shape[-1]
    around, known_around = values.repeat(1, 1, 1, 3), known.repeat(1, 1, 1, 3)  # each row three times round
    before = first_known_along(known_around, -1, backwards=True)[..., width: 2 * width]  # [B, 1, Hp, Wp]
    after = first_known_along(known_around, -1, backwards=False)[..., width: 2 * width]
    channels = values.shape[1]
    left = around.gather(-1, before.clamp_min(0).expand(-1, channels, -1, -1))
    right = around.gather(-1, after.clamp_min(0).expand(-1, channels, -1, -1))
    here = torch.arange(width, 2 * width, device=values.device).view(1, 1, 1, width)
    share = ((here - before) / (after - before).clamp_min(1)).to(values.dtype)
    count = known.sum(dim=-1, keepdim=True)  # [B, 1, Hp, 1]
    mean = (values * known).sum(dim=-1, keepdim=True) / count.clamp_min(1)  # [B, C, Hp, 1]
    degrees = torch.minimum(here - before, after - here).to(values.dtype) * 360.0 / width
    rows = mean + (left + (right - left) * share - mean) * torch.exp(-degrees / fade_degrees)  # [B, C, Hp, Wp]
    source_row = nearest_known_along(count > 0, -2)  # [B, 1, Hp, 1]
    carried = rows.gather(-2, source_row.clamp_min(0).expand_as(rows))
    return torch.where(known, values, carried)
