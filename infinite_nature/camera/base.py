"""What a controller sees each step, and the interface every controller implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import torch


@dataclass
class ViewState:
    """The current frame, as controllers see it (scene units of the flight)."""

    pose: torch.Tensor  # [4, 4] camera-to-world
    intrinsics: torch.Tensor  # [3, 3]
    disparity: torch.Tensor  # [H, W] normalised disparity of the current frame
    sky: torch.Tensor  # [H, W] bool
    step: int


class CameraController(ABC):
    """Gives the camera-to-world pose ``[4, 4]`` of the next frame."""

    @abstractmethod
    def next_pose(self, state: ViewState) -> torch.Tensor: ...

    def fov_at(self, step: int) -> float | None:
        """Horizontal field of view (degrees) for frame ``step + 1``; None keeps the current one."""
        return None

    @property
    def recoveries(self) -> int:
        """How many times the controller had to recover from a near crash (auto-pilot only)."""
        return 0
