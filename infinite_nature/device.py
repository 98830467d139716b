"""Resolving the ``--device auto|cpu|cuda`` choice every command shares."""

from __future__ import annotations

import os
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


def threads_beside_a_server(threads: int, device: torch.device) -> int:
    """Set torch's CPU threads for a process that computes frames on ``device`` while it serves
    them to a page: on the CPU, ``threads`` if above 0 (callers refuse negative ones), else
    torch's own choice but at most all cores but one. The web server, the page's client and a
    browser on the same machine then keep a core: on 2 cores the demo streamed 20% more frames
    with one torch thread than with two, and its key-press latency fell below its target
    (docs/demo.md). A GPU computes the frames elsewhere: nothing changes. Returns the count."""
    import torch
    if device.type != "cpu":
        return torch.get_num_threads()
    if threads == 0:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        threads = max(1, min(torch.get_num_threads(), cores - 1))
    torch.set_num_threads(threads)
    return threads
