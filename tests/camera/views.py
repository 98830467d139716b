"""Synthetic views for camera-controller tests: a sky band over ground nearing downwards."""

import torch

from infinite_nature.camera import ViewState
from infinite_nature.camera.base import CameraController
from infinite_nature.geometry import intrinsics_from_fov


def view_state(disparity: torch.Tensor, step: int = 0, pose: torch.Tensor | None = None) -> ViewState:
    height, width = disparity.shape
    return ViewState(
        pose if pose is not None else torch.eye(4, dtype=torch.float64),
        intrinsics_from_fov(60.0, height, width, dtype=torch.float64)[0],
        disparity,
        disparity < 0.02,
        step,
    )


def landscape(height: int = 32, width: int = 48, sky_rows: int = 10) -> torch.Tensor:  # [H, W] disparity
    disparity = torch.linspace(0.05, 0.8, height)[:, None].repeat(1, width)
    disparity[:sky_rows] = 0.01
    return disparity


def fly(pilot: CameraController, disparity: torch.Tensor, steps: int, pose: torch.Tensor | None = None) -> torch.Tensor:
    """The pose after ``steps`` frames over the same view, from ``pose`` (level, at the origin)."""
    pose = pose if pose is not None else torch.eye(4, dtype=torch.float64)
    for step in range(steps):
        pose = pilot.next_pose(view_state(disparity, step, pose))
    return pose
