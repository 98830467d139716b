"""Finer octaves of texture than the source has, for surfaces a flight magnifies past its pixels.

Flying forward magnifies the ground beneath the camera many times over; once a pixel covers
less than the finest source pixel, every read of the source is smooth colour, and a forward
flight stretches it into streaks. Natural textures look alike across scales (their power
falls off about as 1/f², so each octave holds about as much contrast as the next), so the
octaves a magnified surface lacks can be borrowed from the source's own finest octave:
each layer ``j`` is that octave shrunk ``2^j`` times, tile by tile (each tile shows the
source's texture from around the tile's own place at 1:1, so grass stays grass and rock
rock), with the local contrast the source has there.

The layers are fixed to the source's pixel grid, so they move and grow with the surface like
the colour under them (no swimming). Each fades in as the footprint's most magnified axis
passes its scale, and along each axis a layer is shrunk no more than the footprint is
magnified there: forward flight stretches ground along one axis several times more than
along the other, and detail finer than the pixel along the other would shimmer. This is the
detail-texture technique of terrain renderers, with the texture taken from the photo instead
of a fixed tile. It invents texture, so it lowers the fidelity to a true view slightly
(held-out worlds, docs/generate.md); ``Flight(detail_octaves=False)`` and ``generate
--no-detail-octaves`` leave it out.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from kornia.filters import gaussian_blur2d

OCTAVE_LAYERS = 3  # layers 2x, 4x and 8x finer than the source's finest pixels
FIRST_OCTAVE = 0.5  # the first layer fades in from this many octaves of magnification past the finest pixels
TILE = 16  # side of a layer's tiles, in the layer's own pixels
BAND_SIGMA = 1.0  # the finest octave: the source minus its blur by this (finest pixels)
CONTRAST_SIGMA = 2.0  # the scale of the local contrast, in finest pixels
EDGE_RADIUS = 4  # the contrast is the least within this many finest pixels (edges are not texture)
EDGE_CLIP = 2.5  # band values beyond this many times the contrast are edges, clipped
LAYER_GAIN = 0.8  # each layer's contrast relative to the finest octave's
MIN_VISIBLE = 0.5 / 255  # a layer with less contrast than half a grey level of 8-bit video is not drawn


def _blur(image: torch.Tensor, sigma: float) -> torch.Tensor:
    size = 2 * round(3 * sigma) + 1
    return gaussian_blur2d(image, (size, size), (sigma, sigma), border_type="replicate")


@dataclass
class DetailOctaves:
    """The source's finest octave as a unit-contrast texture, and its local contrast."""

    texture: torch.Tensor  # [1, C, H, W] band / contrast, edges clipped
    contrast: torch.Tensor  # [1, 1, H, W] the band's local RMS, edges left out

    @classmethod
    def build(cls, finest: torch.Tensor) -> DetailOctaves:  # [1, C, H, W] the source's finest level
        """The contrast is the local RMS of the band, its least within ``EDGE_RADIUS``: texture
        keeps its contrast all over, while an edge between smooth regions (a shore, a skyline)
        has contrast only in a thin line, and without the minimum it would be copied into the
        layers as bright streaks along it."""
        band = finest - _blur(finest, BAND_SIGMA)
        rms = _blur(band.pow(2).mean(1, keepdim=True), CONTRAST_SIGMA).sqrt()
        contrast = -F.max_pool2d(-rms, 2 * EDGE_RADIUS + 1, stride=1, padding=EDGE_RADIUS)
        texture = (band / contrast.clamp_min(1e-3)).clamp(-EDGE_CLIP, EDGE_CLIP)
        return cls(texture, contrast)


def _read(image: torch.Tensor, points: torch.Tensor) -> torch.Tensor:  # [1, C, H, W], [M, 2] pixels -> [M, C]
    """Bilinear samples at pixel coordinates (centres at integers), mirrored at the borders."""
    height, width = image.shape[-2:]
    grid = torch.stack([2 * (points[:, 0] + 0.5) / width - 1, 2 * (points[:, 1] + 0.5) / height - 1], dim=-1)
    sampled = F.grid_sample(image, grid.view(1, 1, -1, 2).to(image.dtype), mode="bilinear",
                            padding_mode="reflection", align_corners=False)
    return sampled[0, :, 0].T


def _layer(texture: torch.Tensor, position: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """The texture shrunk ``scale`` times (per point and axis) about each tile's centre: four
    overlapping tiles (half a tile apart) under Hann windows, normalised so the contrast stays
    the texture's. position, scale: [..., 2] -> [..., C]."""
    fine = position * scale  # in this layer's pixels
    step = TILE / 2
    origin = (torch.floor(fine / step) - 1) * step  # [..., 2] the lower tile's corner along each axis
    lower = torch.sin(torch.pi * (fine - origin) / TILE).pow(2)  # [..., 2] its window; the upper tile's is 1 - it
    along = torch.stack([lower, 1 - lower], dim=-2)  # [..., 2 tiles, 2 axes]
    window = along[..., :, None, 0] * along[..., None, :, 1]  # [..., 2 (x), 2 (y)]
    offset = torch.tensor([0.0, step], dtype=fine.dtype, device=fine.device)
    centre = torch.stack(torch.broadcast_tensors((origin[..., 0, None, None] + offset[:, None]),
                                                 (origin[..., 1, None, None] + offset[None, :])), dim=-1) + TILE / 2
    source = fine[..., None, None, :] + centre * (1 / scale[..., None, None, :] - 1)  # [..., 2, 2, 2]
    values = _read(texture, source.reshape(-1, 2)).reshape(*window.shape, texture.shape[1])  # [..., 2, 2, C]
    norm = (along.pow(2).sum(dim=-2).prod(dim=-1)).sqrt()  # [...] root of the squared windows' sum
    return (window[..., None] * values).sum(dim=(-3, -2)) / norm[..., None]


def octave_detail(
    octaves: DetailOctaves,
    position: torch.Tensor,  # [M, 2] in the finest level's pixels
    extent: torch.Tensor,  # [M, 2] the footprint's extent along the source's x and y, in finest pixels
) -> torch.Tensor:  # [M, C] to add to the colour read there
    """The octaves a pixel is missing. Layer ``l`` fades in as the footprint's shorter extent
    falls from ``FIRST_OCTAVE + l - 1`` to ``FIRST_OCTAVE + l`` octaves under a finest pixel;
    along each axis it is shrunk by up to ``2^l``, but no more than the footprint is magnified
    along that axis (past ``FIRST_OCTAVE``), so nothing is finer than a pixel either way. A
    fractional shrink is the blend of the two powers of two around it (per axis: four grids)."""
    detail = torch.zeros(position.shape[0], octaves.texture.shape[1], dtype=position.dtype, device=position.device)
    contrast = _read(octaves.contrast, position)[:, 0] * LAYER_GAIN  # [M]
    depth = -torch.log2(extent.clamp_min(1e-6)) - FIRST_OCTAVE  # [M, 2] octaves of magnification past it, per axis
    deepest = torch.where(contrast > MIN_VISIBLE, depth.amax(dim=1), 0)  # no layer where it would not show
    corners = torch.tensor([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=position.dtype, device=position.device)
    for layer in range(1, OCTAVE_LAYERS + 1):
        weight = (deepest - layer + 1).clamp(0, 1)
        picked = (weight > 0).nonzero()[:, 0]
        if picked.numel() == 0:
            break
        reach = depth[picked].clamp(0, layer)  # [P, 2] octaves along each axis
        low = reach.floor().clamp(max=layer - 1)
        share = reach - low  # [P, 2] towards the next power of two up
        blend = torch.where(corners.bool(), share[:, None, :], 1 - share[:, None, :]).prod(dim=-1)  # [P, 4] the grids
        point, grid = (blend > 0).nonzero().unbind(1)  # only the grids a point takes anything from
        values = _layer(octaves.texture, position[picked[point]], torch.exp2(low[point] + corners[grid]))
        layered = torch.zeros(picked.numel(), detail.shape[1], dtype=detail.dtype, device=detail.device)
        layered.index_add_(0, point, blend[point, grid, None] * values)
        detail[picked] += weight[picked, None] * layered
    return detail * contrast[:, None]
