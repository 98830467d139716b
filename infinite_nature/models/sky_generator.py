"""Sky generator: from the visible sky of the first frame (and a latent), a whole sky dome.

The photo's sky pixels are placed on an equirectangular panorama (``render.sky_dome``);
this network completes the panorama (all azimuths, zenith down to below the horizon), so
any camera rotation reads a consistent sky by rotation-only rendering: no seams (the
convolutions wrap around in azimuth) and no drift (the dome is made once per flight).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from infinite_nature.models.layers import ModulatedConv2d, mlp
from infinite_nature.render.sky_dome import CARRY_FADE_DEGREES, carry_round_dome


@dataclass
class SkyGeneratorConfig:
    pano_height: int = 96
    pano_width: int = 384
    min_elevation: float = -15.0  # degrees: the lowest panorama row
    channels: tuple[int, ...] = (32, 64, 96)
    latent_dim: int = 32
    w_dim: int = 96
    # Complete the dome as a learnt change to the visible sky carried round it (each elevation's
    # observed colours, render.sky_dome.carry_round_dome) rather than from nothing: the dome an
    # untrained network gives is that carried sky, not a mean grey. False for networks trained
    # before the field existed.
    carried_base: bool = False


def _pad_dome(x: torch.Tensor, amount: int = 1) -> torch.Tensor:
    """Wrap around in azimuth (width), replicate at the zenith and bottom rows (height)."""
    x = F.pad(x, (amount, amount, 0, 0), mode="circular")
    return F.pad(x, (0, 0, amount, amount), mode="replicate")


def _upsample_dome(x: torch.Tensor) -> torch.Tensor:
    """Double the resolution, interpolating across the north seam as anywhere else."""
    up = F.interpolate(F.pad(x, (1, 1, 0, 0), mode="circular"), scale_factor=2.0, mode="bilinear", align_corners=False)
    return up[..., 2:-2]


def carried_sky(partial: torch.Tensor, known: torch.Tensor) -> torch.Tensor:  # [B, 3, Hp, Wp], [B, 1, Hp, Wp]
    """The visible sky carried round the dome; mid grey for a panorama that shows none."""
    observed = known > 0.5
    shows_sky = observed.flatten(1).any(dim=1)  # [B]
    base = torch.full_like(partial, 0.5)
    if bool(shows_sky.any()):
        base[shows_sky] = carry_round_dome(partial[shows_sky], observed[shows_sky], CARRY_FADE_DEGREES)
    return base


class _DomeConv(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, stride, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(self.conv(_pad_dome(x)), 0.2)


class _DomeModulated(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, w_dim: int) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, out_channels, w_dim)
        self.conv.padding = 0

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(self.conv(_pad_dome(x), w), 0.2)


class SkyGenerator(nn.Module):
    network = "sky_generator"
    config_class = SkyGeneratorConfig

    def __init__(self, config: SkyGeneratorConfig | None = None) -> None:
        super().__init__()
        self.config = config or SkyGeneratorConfig()
        c = list(self.config.channels)
        self.down = nn.ModuleList()
        previous = 4  # partial RGB + known mask
        for width in c:
            self.down.append(nn.Sequential(_DomeConv(previous, width, 2), _DomeConv(width, width)))
            previous = width
        self.mapping = mlp(c[-1] + 3 + self.config.latent_dim, self.config.w_dim, self.config.w_dim)
        self.up = nn.ModuleList()
        for i in reversed(range(len(c))):
            skip = c[i - 1] if i > 0 else 4
            out = c[i - 1] if i > 0 else c[0]
            self.up.append(nn.ModuleList([_DomeModulated(c[i] + skip, out, self.config.w_dim), _DomeModulated(out, out, self.config.w_dim)]))
        self.to_rgb = nn.Conv2d(c[0], 3, 1)
        if self.config.carried_base:  # the change starts at none
            nn.init.zeros_(self.to_rgb.weight)
            nn.init.zeros_(self.to_rgb.bias)

    def sample_latent(self, batch: int, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        return torch.randn(batch, self.config.latent_dim, generator=generator, device=device)

    def forward(
        self,
        partial: torch.Tensor,  # [B, 3, Hp, Wp] known sky on the dome, 0 elsewhere
        known: torch.Tensor,  # [B, 1, Hp, Wp] 1 where known
        latent: torch.Tensor | None = None,  # [B, latent_dim]; zeros when None
    ) -> torch.Tensor:  # [B, 3, Hp, Wp] complete dome in [0, 1]
        expected = (self.config.pano_height, self.config.pano_width)
        stride = 2 ** len(self.config.channels)
        if expected[0] % stride or expected[1] % stride:
            raise ValueError(f"panorama size {expected} must be a multiple of {stride} (2 ** len(channels))")
        if partial.ndim != 4 or partial.shape[1] != 3 or tuple(partial.shape[-2:]) != expected:
            raise ValueError(f"sky generator takes [B, 3, {expected[0]}, {expected[1]}] panoramas, got {tuple(partial.shape)}")
        if latent is None:
            latent = partial.new_zeros(partial.shape[0], self.config.latent_dim)
        inputs = torch.cat([partial * 2 - 1, known], dim=1)
        skips = [inputs]
        x = inputs
        for block in self.down:
            x = block(x)
            skips.append(x)
        known_colour = (partial.sum(dim=(2, 3)) / known.sum(dim=(2, 3)).clamp_min(1.0))  # mean visible sky colour
        w = self.mapping(torch.cat([x.mean(dim=(2, 3)), known_colour, latent], dim=1))
        for (first, second), skip in zip(self.up, reversed(skips[:-1])):
            x = _upsample_dome(x)
            x = second(first(torch.cat([x, skip], dim=1), w), w)
        if not self.config.carried_base:
            return torch.sigmoid(self.to_rgb(x))
        return torch.sigmoid(torch.logit(carried_sky(partial, known).clamp(0.01, 0.99)) + self.to_rgb(x))
