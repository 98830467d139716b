"""A description of the machine a benchmark ran on, stored beside every figure."""

from __future__ import annotations

import os
import platform

import torch


def describe_machine(device: torch.device) -> dict[str, object]:
    """CPU, threads, torch version and, on CUDA, the GPU name."""
    info: dict[str, object] = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "device": str(device),
    }
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info
