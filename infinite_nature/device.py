"""Resolving the ``--device auto|cpu|cuda`` choice every command shares."""

from __future__ import annotations

from typing import TYPE_CHECKING

from infinite_nature.errors import UsageError

if TYPE_CHECKING:
    import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda")


def resolve_device(name: str) -> torch.device:
    """``auto`` picks CUDA when a GPU is visible, else the CPU; ``cuda`` without a GPU is an error."""
    import torch  # here, so that building the command line's parsers stays free of torch
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise UsageError(f"--device {name}: no CUDA GPU is visible to torch on this machine")
        return torch.device(name)
    raise UsageError(f"--device must be one of {', '.join(DEVICE_CHOICES)}, got {name!r}")
