"""Hand flying: straight along the heading, turned by the steering offset (the demo with auto-pilot off)."""

from __future__ import annotations

import math

import torch

from infinite_nature.camera.base import CameraController, ViewState
from infinite_nature.camera.steering import Steering
from infinite_nature.geometry.pose import look_direction

MAX_PITCH_DEGREES = 60.0


def heading(pose: torch.Tensor) -> tuple[float, float]:
    """(yaw, pitch) in degrees of a camera-to-world pose's forward axis; yaw 0 looks along +z,
    positive yaw turns right (+x), positive pitch looks up (-y)."""
    forward = pose[:3, 2]
    yaw = math.degrees(math.atan2(float(forward[0]), float(forward[2])))
    pitch = math.degrees(math.asin(max(-1.0, min(1.0, -float(forward[1])))))
    return yaw, pitch


class ManualPilot(CameraController):
    """A full steering offset turns ``turn_degrees`` per frame (x: right, y: down); no terrain avoidance."""

    def __init__(self, speed: float = 0.015, turn_degrees: float = 3.0, steering: Steering | None = None) -> None:
        self.speed = speed
        self.turn_degrees = turn_degrees
        self.steering = steering or Steering()

    def next_pose(self, state: ViewState) -> torch.Tensor:
        steer_x, steer_y = self.steering.decay()
        yaw, pitch = heading(state.pose)
        yaw = math.radians(yaw + self.turn_degrees * steer_x)
        pitch = math.radians(max(-MAX_PITCH_DEGREES, min(MAX_PITCH_DEGREES, pitch - self.turn_degrees * steer_y)))
        forward = state.pose.new_tensor([math.sin(yaw) * math.cos(pitch), -math.sin(pitch), math.cos(yaw) * math.cos(pitch)])
        position = state.pose[:3, 3] + forward * self.speed
        return look_direction(position[None], forward[None])[0]
