"""Camera controllers: where the next frame's camera goes (auto-pilot, paths, steering)."""

from infinite_nature.camera.autopilot import AutoPilot, AutoPilotConfig
from infinite_nature.camera.base import CameraController, ViewState
from infinite_nature.camera.manual import ManualPilot, heading
from infinite_nature.camera.paths import KeyframePath, OrbitPath, StraightPath, load_keyframes
from infinite_nature.camera.steering import Steering

__all__ = [
    "AutoPilot",
    "AutoPilotConfig",
    "CameraController",
    "KeyframePath",
    "ManualPilot",
    "OrbitPath",
    "Steering",
    "StraightPath",
    "ViewState",
    "heading",
    "load_keyframes",
]
