"""Multi-scale patch discriminator with spectral normalisation, for the refiner and the sky."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


@dataclass
class DiscriminatorConfig:
    in_channels: int = 4  # RGB + disparity for the refiner; 3 for the sky
    channels: int = 48
    layers: int = 3
    scales: int = 2


class PatchDiscriminator(nn.Module):
    """Strided spectral-norm convolutions; one realism logit per patch, plus the features."""

    def __init__(self, in_channels: int, channels: int, layers: int) -> None:
        super().__init__()
        blocks = []
        previous = in_channels
        for index in range(layers):
            width = channels * 2 ** min(index, 3)
            blocks.append(spectral_norm(nn.Conv2d(previous, width, 4, 2, 1)))
            previous = width
        self.blocks = nn.ModuleList(blocks)
        self.logits = spectral_norm(nn.Conv2d(previous, 1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        features = []
        for block in self.blocks:
            x = F.leaky_relu(block(x), 0.2)
            features.append(x)
        return self.logits(x), features


class MultiScaleDiscriminator(nn.Module):
    network = "discriminator"
    config_class = DiscriminatorConfig

    def __init__(self, config: DiscriminatorConfig | None = None) -> None:
        super().__init__()
        self.config = config or DiscriminatorConfig()
        self.scales = nn.ModuleList(
            PatchDiscriminator(self.config.in_channels, self.config.channels, self.config.layers)
            for _ in range(self.config.scales)
        )

    def forward(self, x: torch.Tensor) -> list[tuple[torch.Tensor, list[torch.Tensor]]]:
        """Images in [0, 1] ``[B, C, H, W]`` -> per scale (patch logits, intermediate features)."""
        if x.ndim != 4 or x.shape[1] != self.config.in_channels:
            raise ValueError(f"discriminator takes [B, {self.config.in_channels}, H, W], got {tuple(x.shape)}")
        outputs = []
        x = x * 2 - 1
        for index, scale in enumerate(self.scales):
            if index:
                x = F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)
            outputs.append(scale(x))
        return outputs
