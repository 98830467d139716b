"""Building blocks shared by the networks: modulated convolution, padding to a multiple, the
size a network that trained on small crops runs larger images at."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def pad_to_multiple(x: torch.Tensor, multiple: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """Reflect-pad ``[B, C, H, W]`` so H and W are multiples; returns the padded tensor and (H, W)."""
    height, width = x.shape[-2:]
    pad_h, pad_w = (-height) % multiple, (-width) % multiple
    if pad_h or pad_w:
        mode = "reflect" if min(height, width) > max(pad_h, pad_w) else "replicate"
        x = F.pad(x, (0, pad_w, 0, pad_h), mode=mode)
    return x, (height, width)


MIN_INPUT_SIZE = 32  # the networks halve their input five times (depth) or four (refiner)


def check_input_size(input_size: int) -> None:
    """A network config's ``input_size`` (the crop size it trained at) must be one it can read."""
    if input_size < MIN_INPUT_SIZE:
        raise ValueError(f"input_size must be >= {MIN_INPUT_SIZE}, got {input_size}")


def shrunk_to_short_side(height: int, width: int, short_side: int) -> tuple[int, int]:
    """(height, width) scaled so the short side is ``short_side``; never enlarged. A network
    trained on ``short_side``-pixel crops reads larger images worst at their own size (its
    receptive field covers less of the scene than in training)."""
    scale = min(1.0, short_side / min(height, width))
    return max(1, round(height * scale)), max(1, round(width * scale))


class ModulatedConv2d(nn.Module):
    """StyleGAN2 convolution: a per-sample style scales the input channels of the weight,
    and demodulation renormalises each output channel, so a global code steers every layer
    without the drift-prone statistics of normalisation layers."""

    def __init__(self, in_channels: int, out_channels: int, style_dim: int, kernel_size: int = 3) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.affine = nn.Linear(style_dim, in_channels)
        nn.init.ones_(self.affine.bias)  # styles start near 1: every layer sees its input unchanged
        self.scale = 1.0 / math.sqrt(in_channels * kernel_size * kernel_size)
        self.padding = kernel_size // 2

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:  # [B, C, H, W], [B, S]
        batch, channels, height, width = x.shape
        gain = self.affine(style)  # [B, C_in]
        weight = self.weight[None] * self.scale * gain[:, None, :, None, None]  # [B, O, I, k, k]
        weight = weight * torch.rsqrt((weight**2).sum(dim=(2, 3, 4), keepdim=True) + 1e-8)
        out_channels = weight.shape[1]
        out = F.conv2d(
            x.reshape(1, batch * channels, height, width),
            weight.reshape(batch * out_channels, channels, *weight.shape[3:]),
            padding=self.padding,
            groups=batch,
        )
        return out.view(batch, out_channels, *out.shape[-2:]) + self.bias.view(1, -1, 1, 1)


class ConvBlock(nn.Sequential):
    """3x3 convolution (optionally strided) + LeakyReLU."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__(nn.Conv2d(in_channels, out_channels, 3, stride, 1), nn.LeakyReLU(0.2, inplace=True))


def mlp(in_dim: int, hidden: int, out_dim: int, layers: int = 2) -> nn.Sequential:
    """A small MLP with LeakyReLU between layers."""
    modules: list[nn.Module] = []
    dim = in_dim
    for _ in range(layers - 1):
        modules += [nn.Linear(dim, hidden), nn.LeakyReLU(0.2, inplace=True)]
        dim = hidden
    modules.append(nn.Linear(dim, out_dim))
    return nn.Sequential(*modules)
