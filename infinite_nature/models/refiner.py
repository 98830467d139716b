"""Refinement generator: splatted RGB + disparity + validity mask in, complete RGB + disparity out.

Design (argued in docs/networks.md): a U-Net whose decoder is co-modulated, StyleGAN2
style, by a code ``w`` that mixes a *global style code* (computed once from the first
frame and kept for the whole flight, so colour and style cannot drift from step to step)
with a noise latent (variety). The encoder keeps the known pixels' detail through skip
connections; the last layer sees the input again at full resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from infinite_nature.disparity import DISPARITY_MAX, DISPARITY_MIN
from infinite_nature.models.layers import ConvBlock, ModulatedConv2d, check_input_size, mlp, pad_to_multiple

IN_CHANNELS = 5  # RGB, disparity, validity mask
KEEP_BIAS = 4.0  # logit that makes the blend weight start near the validity mask


@dataclass
class RefinerConfig:
    channels: tuple[int, ...] = (32, 48, 96, 128)  # U-Net widths at 1/2, 1/4, 1/8, 1/16 resolution
    style_dim: int = 128
    latent_dim: int = 32
    w_dim: int = 128
    head_channels: int = 16
    # The crop size it trained at: a flight that shows it only in holes refines larger frames
    # shrunk to this short side (generate/hole_refiner.py).
    input_size: int = 128


@dataclass
class RefinerOutput:
    rgb: torch.Tensor  # [B, 3, H, W] in [0, 1]
    disparity: torch.Tensor  # [B, 1, H, W] in [DISPARITY_MIN, DISPARITY_MAX]


class StyleEncoder(nn.Module):
    """Global style code of a whole image: strided convolutions, then mean and std pooling."""

    def __init__(self, style_dim: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            ConvBlock(3, 32, 2), ConvBlock(32, 64, 2), ConvBlock(64, 96, 2), ConvBlock(96, 128, 2)
        )
        self.project = nn.Linear(256, style_dim)

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:  # [B, 3, H, W] -> [B, style_dim]
        features = self.features(rgb * 2 - 1)
        cells = features.shape[-2] * features.shape[-1]
        spread = features.std(dim=(2, 3), correction=1 if cells > 1 else 0)  # one cell: no spread, not NaN
        pooled = torch.cat([features.mean(dim=(2, 3)), spread], dim=1)
        return self.project(pooled)


class _DecoderBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, w_dim: int) -> None:
        super().__init__()
        self.first = ModulatedConv2d(in_channels, out_channels, w_dim)
        self.second = ModulatedConv2d(out_channels, out_channels, w_dim)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        x = F.leaky_relu(self.first(x, w), 0.2)
        return F.leaky_relu(self.second(x, w), 0.2)


class RefinerNet(nn.Module):
    network = "refiner"
    config_class = RefinerConfig

    def __init__(self, config: RefinerConfig | None = None) -> None:
        super().__init__()
        self.config = config or RefinerConfig()
        check_input_size(self.config.input_size)
        c = list(self.config.channels)
        self.style_encoder = StyleEncoder(self.config.style_dim)
        self.mapping = mlp(self.config.style_dim + self.config.latent_dim, self.config.w_dim, self.config.w_dim)
        self.down = nn.ModuleList()
        previous = IN_CHANNELS
        for width in c:
            self.down.append(nn.Sequential(ConvBlock(previous, width, 2), ConvBlock(width, width)))
            previous = width
        self.bottom = _DecoderBlock(c[-1], c[-1], self.config.w_dim)
        self.up = nn.ModuleList(
            _DecoderBlock(c[i + 1] + c[i], c[i], self.config.w_dim) for i in reversed(range(len(c) - 1))
        )
        head = self.config.head_channels
        self.head = nn.Sequential(
            nn.Conv2d(c[0] + IN_CHANNELS, head, 3, padding=1), nn.LeakyReLU(0.2, inplace=True), nn.Conv2d(head, 5, 3, padding=1)
        )

    def encode_style(self, rgb: torch.Tensor) -> torch.Tensor:
        """Style code ``[B, style_dim]`` of the first frame, kept for a whole flight."""
        return self.style_encoder(rgb)

    def sample_latent(self, batch: int, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        return torch.randn(batch, self.config.latent_dim, generator=generator, device=device)

    def forward(
        self,
        rgb: torch.Tensor,  # [B, 3, H, W] splatted colour, 0 in holes
        disparity: torch.Tensor,  # [B, 1, H, W] splatted disparity, 0 in holes
        mask: torch.Tensor,  # [B, 1, H, W] 1 where valid
        style: torch.Tensor,  # [B, style_dim]
        latent: torch.Tensor | None = None,  # [B, latent_dim]; zeros (the mean) when None
    ) -> RefinerOutput:
        if rgb.ndim != 4 or rgb.shape[1] != 3:
            raise ValueError(f"refiner rgb must be [B, 3, H, W], got {tuple(rgb.shape)}")
        if disparity.shape != mask.shape or disparity.shape[1] != 1 or disparity.shape[-2:] != rgb.shape[-2:]:
            raise ValueError(
                f"refiner disparity and mask must be [B, 1, H, W] like rgb; got {tuple(disparity.shape)}, {tuple(mask.shape)}"
            )
        if latent is None:
            latent = style.new_zeros(style.shape[0], self.config.latent_dim)
        w = self.mapping(torch.cat([style, latent], dim=1))
        inputs = torch.cat([rgb * 2 - 1, disparity * 2 - 1, mask.to(rgb.dtype)], dim=1)
        x, (height, width) = pad_to_multiple(inputs, 2 ** len(self.down))
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
        x = self.bottom(skips[-1], w)
        for block, skip in zip(self.up, reversed(skips[:-1])):
            x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            x = block(torch.cat([x, skip], dim=1), w)
        x = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)[..., :height, :width]
        out = self.head(torch.cat([x, inputs], dim=1))
        synthesised_rgb = (torch.tanh(out[:, :3]) + 1) / 2
        synthesised_disparity = DISPARITY_MIN + (DISPARITY_MAX - DISPARITY_MIN) * torch.sigmoid(out[:, 3:4])
        keep = torch.sigmoid(out[:, 4:5] + KEEP_BIAS * (2 * mask.to(rgb.dtype) - 1))  # ~mask at the start
        rgb_out = keep * rgb + (1 - keep) * synthesised_rgb
        disparity_out = keep * disparity.clamp(DISPARITY_MIN, DISPARITY_MAX) + (1 - keep) * synthesised_disparity
        return RefinerOutput(rgb_out, disparity_out)
