"""The weights that ship inside the package: ``infinite_nature/weights/NAME/NETWORK.{safetensors,json}``.

Shipped weights are trained by the project's own recipes (issue #5); until then the
registry is empty and asking for them raises ``WeightsNotFound`` saying so and what to do.
Random weights are never shipped as a default.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from infinite_nature.models.checkpoint import NETWORKS, CheckpointError, checkpoint_paths, load_checkpoint

WEIGHTS_ROOT = Path(__file__).resolve().parent.parent / "weights"


class WeightsNotFound(CheckpointError):
    """No shipped weights of that name for that network."""


def available_pretrained() -> dict[str, list[str]]:
    """Shipped weight sets and the networks each contains."""
    found: dict[str, list[str]] = {}
    if WEIGHTS_ROOT.is_dir():
        for folder in sorted(p for p in WEIGHTS_ROOT.iterdir() if p.is_dir()):
            networks = [n for n in NETWORKS if all(p.is_file() for p in checkpoint_paths(folder / n))]
            if networks:
                found[folder.name] = networks
    return found


def load_pretrained(name: str, network: str, device: str | torch.device = "cpu") -> nn.Module:
    """A shipped network, e.g. ``load_pretrained("default", "refiner")``."""
    if network not in NETWORKS:
        raise ValueError(f"unknown network {network!r}; one of {', '.join(NETWORKS)}")
    shipped = available_pretrained()
    if network not in shipped.get(name, []):
        have = ", ".join(f"{k} ({', '.join(v)})" for k, v in shipped.items()) or "none"
        raise WeightsNotFound(
            f"no shipped '{name}' weights for the {network} network (shipped: {have}). Train them with "
            f"'infinite-nature train' (docs/training.md) and pass --weights PATH, or use a newer release"
        )
    return load_checkpoint(WEIGHTS_ROOT / name / network, network=network, device=device)
