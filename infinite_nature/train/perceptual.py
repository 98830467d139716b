"""A VGG16 perceptual loss, from ImageNet weights the user already has on disk.

The published systems trained their refiners with a VGG perceptual loss. Its weights come from
the internet, so our recipes use discriminator feature matching instead; a user who has
torchvision's VGG16 weights (``vgg16-397923af.pth``, or any state dict with its ``features``)
adds the loss with ``train refiner --perceptual-weights PATH``. Nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from infinite_nature.errors import UsageError
from infinite_nature.models.depth_sky import IMAGENET_MEAN, IMAGENET_STD
from infinite_nature.torch_files import load_torch_file

LAYERS = (3, 8, 15, 22)  # relu1_2, relu2_2, relu3_3 and relu4_3 of torchvision's vgg16().features


def vgg16_features(weights: str | Path) -> nn.Sequential:
    """torchvision's VGG16 convolutions up to relu4_3 with the weights in ``weights`` (a state
    dict of the whole network, ``features.N.*`` keys, or of its features alone, ``N.*``)."""
    from torchvision.models.vgg import cfgs, make_layers

    path = Path(weights)
    if not path.is_file():
        raise UsageError(f"--perceptual-weights {path}: no such file")
    state = load_torch_file(path, f"--perceptual-weights {path}", "torch state dict", UsageError)
    features = make_layers(cfgs["D"])[: LAYERS[-1] + 1]
    if not isinstance(state, dict):
        raise UsageError(f"--perceptual-weights {path}: not torchvision VGG16 weights (not a state dict)")
    wanted = {key.removeprefix("features."): value for key, value in state.items()
              if isinstance(key, str) and key.removeprefix("features.") in features.state_dict()}
    try:
        features.load_state_dict(wanted)
    except RuntimeError as error:
        reason = " ".join(str(error).split())[:200]
        raise UsageError(f"--perceptual-weights {path}: not torchvision VGG16 weights ({reason})") from None
    return features


class PerceptualLoss(nn.Module):
    """Mean L1 between VGG16 activations (relu1_2 .. relu4_3) of two images in [0, 1]; frozen."""

    def __init__(self, weights: str | Path) -> None:
        super().__init__()
        self.features = vgg16_features(weights).eval().requires_grad_(False)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def train(self, mode: bool = True) -> PerceptualLoss:
        """Always in eval mode: a loss, not a network that trains."""
        return super().train(False)

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:  # [B, 3, H, W] each
        x = torch.cat([prediction, target]).sub(self.mean).div(self.std)
        total = prediction.new_zeros(())
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in LAYERS:
                ours, theirs = x.chunk(2)
                total = total + F.l1_loss(ours, theirs.detach())
        return total / len(LAYERS)
