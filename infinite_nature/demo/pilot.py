"""The demo's camera: auto-pilot or hand flying, switchable mid-flight, one steering input for both."""

from __future__ import annotations

import torch

from infinite_nature.camera import AutoPilot, AutoPilotConfig, ManualPilot, Steering
from infinite_nature.camera.base import CameraController, ViewState

SPEED_RANGE = (0.002, 0.08)  # scene units per frame


class DemoPilot(CameraController):
    """Delegates to the auto-pilot or the manual pilot; both read the same decaying steering offset."""

    def __init__(self, speed: float = 0.015, autopilot: bool = True) -> None:
        self.steering = Steering()
        self.auto = AutoPilot(AutoPilotConfig(speed=speed), self.steering)
        self.manual = ManualPilot(speed, steering=self.steering)
        self.autopilot = autopilot

    @property
    def speed(self) -> float:
        return self.manual.speed

    def scale_speed(self, factor: float) -> float:
        """Multiply the speed (clamped to SPEED_RANGE); returns the new speed."""
        speed = min(max(self.speed * factor, SPEED_RANGE[0]), SPEED_RANGE[1])
        self.manual.speed = self.auto.config.speed = speed
        return speed

    def set_autopilot(self, on: bool) -> None:
        if on and not self.autopilot:  # from the heading and the framing the hand flying left
            self.auto.restart()
        self.autopilot = on

    @property
    def recovering(self) -> bool:
        return self.autopilot and self.auto.recovering

    @property
    def recoveries(self) -> int:
        return self.auto.recoveries

    def next_pose(self, state: ViewState) -> torch.Tensor:
        return (self.auto if self.autopilot else self.manual).next_pose(state)
