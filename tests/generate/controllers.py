"""Camera controllers the flight tests steer with."""

import math

import torch

from infinite_nature.camera.base import CameraController, ViewState


class Yaw(CameraController):
    """Turns on the spot, ``degrees`` a frame: new sky and ground come in at one side."""

    def __init__(self, degrees: float) -> None:
        self.radians = math.radians(degrees)

    def next_pose(self, state: ViewState) -> torch.Tensor:
        c, s = math.cos(self.radians), math.sin(self.radians)
        turn = torch.tensor([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]], dtype=state.pose.dtype)
        pose = state.pose.clone()
        pose[:3, :3] = state.pose[:3, :3] @ turn
        return pose


class Climb(CameraController):
    """Flies forward and up, ``forward`` and ``up`` scene units a frame, looking level: near
    ground below slides down and out of the view, and a gap opens above its edge."""

    def __init__(self, forward: float, up: float) -> None:
        self.forward, self.up = forward, up

    def next_pose(self, state: ViewState) -> torch.Tensor:
        pose = state.pose.clone()
        pose[2, 3] += self.forward
        pose[1, 3] -= self.up  # up is -y
        return pose
