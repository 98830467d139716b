"""Depth + sky network: one image in, disparity and sky probability out.

A timm encoder (``pretrained=False``: nothing is downloaded; our weights come from our own
training) and a feature-pyramid decoder with two heads. One network replaces the separate
depth and segmentation networks the published systems needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import timm
import torch
import torch.nn.functional as F
from torch import nn

from infinite_nature.disparity import normalise_relative_disparity
from infinite_nature.models.layers import check_input_size, pad_to_multiple, shrunk_to_short_side
from infinite_nature.sky_mask import sky_open_to_top

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass
class DepthSkyConfig:
    encoder: str = "mobilenetv4_conv_small"  # any timm model with features_only support
    decoder_channels: int = 48
    sky_threshold: float = 0.5
    # How the disparity head's output becomes disparity: "softplus" (the output is disparity) or
    # "exp" (the output is log-disparity, so the head's errors are relative errors, as AbsRel
    # counts them, at every distance alike).
    disparity_output: str = "softplus"
    # The short side larger images are shrunk to for the network (its outputs are scaled back):
    # the crop size it trained at. The shipped network read 256² world views at their own size
    # with AbsRel 0.31 and sky IoU 0.92, shrunk to 128² with 0.18 and 0.98.
    input_size: int = 128


DISPARITY_OUTPUTS = ("softplus", "exp")
LOG_DISPARITY_LIMIT = 10.0  # |log-disparity| beyond this has no use; exp(10) still fits in float16


@dataclass
class DepthSkyOutput:
    disparity: torch.Tensor  # [B, 1, H, W] normalised disparity (project convention)
    sky_probability: torch.Tensor  # [B, 1, H, W] in [0, 1]
    sky: torch.Tensor  # [B, 1, H, W] bool
    raw_disparity: torch.Tensor  # [B, 1, H, W] relative disparity (scale and shift unknown)


class DepthSkyNet(nn.Module):
    network = "depth_sky"
    config_class = DepthSkyConfig

    def __init__(self, config: DepthSkyConfig | None = None) -> None:
        super().__init__()
        self.config = config or DepthSkyConfig()
        if self.config.disparity_output not in DISPARITY_OUTPUTS:
            raise ValueError(f"disparity_output must be one of {', '.join(DISPARITY_OUTPUTS)}, "
                             f"got {self.config.disparity_output!r}")
        check_input_size(self.config.input_size)
        self.encoder = timm.create_model(self.config.encoder, pretrained=False, features_only=True, out_indices=(1, 2, 3, 4))
        channels = self.encoder.feature_info.channels()
        width = self.config.decoder_channels
        self.lateral = nn.ModuleList(nn.Conv2d(c, width, 1) for c in channels)
        self.smooth = nn.ModuleList(
            nn.Sequential(nn.Conv2d(width, width, 3, padding=1), nn.ReLU(inplace=True)) for _ in channels
        )
        self.head = nn.Sequential(
            nn.Conv2d(width, width, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(width, 2, 1)
        )
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, rgb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``rgb`` [B, 3, H, W] in [0, 1] -> (relative disparity > 0, sky logits), both [B, 1, H, W]."""
        if rgb.ndim != 4 or rgb.shape[1] != 3:
            raise ValueError(f"depth+sky network takes [B, 3, H, W] images, got {tuple(rgb.shape)}")
        x, (height, width) = pad_to_multiple((rgb - self.mean) / self.std, 32)
        features = self.encoder(x)
        top = None
        for index in reversed(range(len(features))):
            lateral = self.lateral[index](features[index])
            if top is not None:
                lateral = lateral + F.interpolate(top, size=lateral.shape[-2:], mode="bilinear", align_corners=False)
            top = self.smooth[index](lateral)
        out = self.head(top)
        out = F.interpolate(out, size=x.shape[-2:], mode="bilinear", align_corners=False)[..., :height, :width]
        head = out[:, :1]
        if self.config.disparity_output == "exp":
            disparity = torch.exp(head.clamp(-LOG_DISPARITY_LIMIT, LOG_DISPARITY_LIMIT))
        else:
            disparity = F.softplus(head) + 1e-4
        return disparity, out[:, 1:]

    @torch.no_grad()
    def predict(self, rgb: torch.Tensor) -> DepthSkyOutput:
        """Normalised disparity and sky mask (sky open to the top of the frame) for images in [0, 1],
        at the images' size; the network sees them shrunk to ``config.input_size``."""
        height, width = rgb.shape[-2:]
        size = shrunk_to_short_side(height, width, self.config.input_size)
        if size == (height, width):
            raw, logits = self(rgb)
        else:
            raw, logits = self(F.interpolate(rgb, size=size, mode="area"))
            raw, logits = (F.interpolate(x, size=(height, width), mode="bilinear", align_corners=False)
                           for x in (raw, logits))
        probability = torch.sigmoid(logits)
        sky = sky_open_to_top(probability > self.config.sky_threshold)
        return DepthSkyOutput(normalise_relative_disparity(raw, sky), probability, sky, raw)
