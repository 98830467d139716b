"""Auto-pilot by skyline balance (Infinite Nature), with recovery instead of giving up.

Each step it looks at the current frame: it turns towards the side with more sky, keeps
the horizon at a target height, and climbs when too much near ground fills the view. Look
and move directions are smoothed. The target height is, unless given, where the frame it
starts from has the horizon (its share of sky and far ground), kept within
``HORIZON_RANGE``. Infinite Nature's fixed 30% pitched a photo with half its frame in sky
10-13 degrees down within two seconds: the bottom quarter of the view became ground the
photo never showed, and its centre moved onto near ground, which the flight magnified into
streaks. From a frame with less sky it still looks up to 30%: what that opens is sky,
which the dome holds, and the climb keeps the flight clear of the terrain ahead. It turns
only on a clear imbalance (``turn_deadband``): the few percent by which a photo's sky leans
to one side (52% on the right, or 48%) had turned its flight 20-30 degrees over 300
frames, into ground the photo never showed. When a crash is near (almost no sky, or near
ground everywhere) it recovers: slows down, climbs and turns towards open sky, logging
each recovery, and keeps flying.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from infinite_nature.camera.base import CameraController, ViewState
from infinite_nature.camera.steering import Steering
from infinite_nature.geometry.pose import look_direction

logger = logging.getLogger(__name__)

HORIZON_RANGE = (0.3, 0.5)  # the share of sky the pilot keeps when it takes its first frame's


@dataclass
class AutoPilotConfig:
    speed: float = field(default=0.015, metadata={"help": "scene units per frame (the nearest ground sits at about 1.25)"})
    horizon: float | None = field(default=None, metadata={
        "help": f"target share of sky in the view (default: the first frame's, within {HORIZON_RANGE[0]}-{HORIZON_RANGE[1]})"})
    near_fraction: float = field(default=0.2, metadata={"help": "target share of near ground in the view"})
    look_smoothing: float = field(default=0.05, metadata={"help": "lerp of the look direction per frame"})
    move_smoothing: float = field(default=0.2, metadata={"help": "lerp of the move direction per frame"})
    meander: float = field(default=0.0, metadata={"help": "sideways sinusoidal swing of the aim, in frame widths (0 = none, 0.2 = gentle, 0.5 = to the frame's edge)"})
    meander_period: float = field(default=240.0, metadata={"help": "frames per meander cycle"})
    turn_deadband: float = field(default=0.05, metadata={
        "help": "the share of the sky on the right (0.5 = even) may be this far from even before the pilot turns"})
    steering_gain: float = field(default=0.35, metadata={"help": "how far a full steering offset moves the look target"})
    min_sky: float = field(default=0.05, metadata={"help": "below this sky share the pilot recovers"})
    max_near: float = field(default=0.6, metadata={"help": "above this near-ground share the pilot recovers"})


class AutoPilot(CameraController):
    def __init__(self, config: AutoPilotConfig | None = None, steering: Steering | None = None) -> None:
        self.config = config or AutoPilotConfig()
        self.steering = steering or Steering()
        self.recovering = False
        self._recoveries = 0
        self.restart()

    def restart(self) -> None:
        """Fly the next frame as a first one: smoothing starts from its heading, the horizon where it has it."""
        self.look: torch.Tensor | None = None
        self.move: torch.Tensor | None = None
        self.horizon: float | None = self.config.horizon

    @property
    def recoveries(self) -> int:
        return self._recoveries

    @staticmethod
    def _ray(state: ViewState, x: float, y: float) -> torch.Tensor:
        """World direction through the image point (x, y) given in [0, 1] units of width and height."""
        height, width = state.sky.shape
        pixel = torch.tensor([x * (width - 1), y * (height - 1), 1.0], dtype=state.pose.dtype)
        ray = torch.linalg.inv(state.intrinsics.to(state.pose.dtype)) @ pixel
        return F.normalize(state.pose[:3, :3] @ ray, dim=0)

    def next_pose(self, state: ViewState) -> torch.Tensor:
        c = self.config
        sky = (20.0 * (0.1 - state.disparity)).clamp(0.0, 1.0)
        ground = (10.0 * (state.disparity - 0.5)).clamp(0.0, 1.0)
        sky_share, near_share = float(sky.mean()), float(ground.mean())
        if self.horizon is None:
            self.horizon = min(max(sky_share, HORIZON_RANGE[0]), HORIZON_RANGE[1])
        width = sky.shape[1]
        left, right = float(sky[:, : width // 2].sum()), float(sky[:, width // 2 :].sum())
        balance = right / (left + right) if left + right > 1e-6 else 0.5  # the share of the sky on the right
        swing = c.meander * math.sin(2 * math.pi * state.step / c.meander_period)
        x = 0.5 + math.copysign(max(abs(balance - 0.5) - c.turn_deadband, 0.0), balance - 0.5) + swing
        y = 0.5 + sky_share - self.horizon
        height_target = self.horizon + c.near_fraction - near_share
        speed = c.speed
        danger = sky_share < c.min_sky or near_share > c.max_near
        if danger and not self.recovering:
            self._recoveries += 1
            logger.info("auto-pilot recovery %d at step %d (sky %.2f, near ground %.2f)",
                        self._recoveries, state.step, sky_share, near_share)
        self.recovering = danger
        if danger:  # slow down, climb, and turn towards open sky
            speed *= 0.3
            y = min(y, 0.35)
            height_target = min(height_target, 0.1)
            x = 0.5 + 1.5 * (balance + swing - 0.5) if left + right > 1e-6 else 0.85
        steer_x, steer_y = self.steering.decay()
        x += c.steering_gain * steer_x
        y += c.steering_gain * steer_y
        height_target += c.steering_gain * steer_y  # steering up also climbs
        look_target = self._ray(state, min(max(x, -0.5), 1.5), min(max(y, -0.5), 1.5))
        move_target = self._ray(state, min(max(x, -0.5), 1.5), min(max(height_target, -0.5), 1.5))
        if self.look is None or self.move is None:
            self.look, self.move = state.pose[:3, 2].clone(), state.pose[:3, 2].clone()
        look_rate = c.look_smoothing * (3.0 if danger else 1.0)
        self.look = F.normalize(torch.lerp(self.look, look_target, look_rate), dim=0)
        self.move = F.normalize(torch.lerp(self.move, move_target, c.move_smoothing), dim=0)
        self.look = _limit_pitch(self.look)
        position = state.pose[:3, 3] + self.move * speed
        return look_direction(position[None], self.look[None])[0]


def _limit_pitch(direction: torch.Tensor, max_degrees: float = 60.0) -> torch.Tensor:
    """Keep the look direction within ``max_degrees`` of level (no flipping over the zenith)."""
    horizontal = torch.stack([direction[0], direction.new_zeros(()), direction[2]])
    length = horizontal.norm()
    if length < 1e-6:
        horizontal, length = direction.new_tensor([0.0, 0.0, 1.0]), direction.new_tensor(1.0)
    limit = math.tan(math.radians(max_degrees))
    up = (-direction[1] / length).clamp(-limit, limit)
    return F.normalize(torch.stack([horizontal[0] / length, -up, horizontal[2] / length]), dim=0)
