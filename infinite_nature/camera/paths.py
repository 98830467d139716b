"""Scripted camera paths: straight, orbit, and smooth keyframes from a JSON file.

Coordinates are scene units of the flight (the first frame's camera is at the origin,
looking along +z, OpenCV frame: x right, y down).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch

from infinite_nature.camera.base import CameraController, ViewState
from infinite_nature.errors import InfiniteNatureError
from infinite_nature.geometry.pose import interpolate_pose, look_at, look_direction

KEYFRAME_VERSION = 1


class StraightPath(CameraController):
    """Straight ahead along the first frame's view direction, ``speed`` units per frame."""

    def __init__(self, speed: float = 0.015) -> None:
        self.speed = speed
        self.start: torch.Tensor | None = None

    def next_pose(self, state: ViewState) -> torch.Tensor:
        if self.start is None:
            self.start = state.pose.clone()
        pose = self.start.clone()
        pose[:3, 3] = self.start[:3, 3] + self.start[:3, 2] * self.speed * (state.step + 1)
        return pose


class OrbitPath(CameraController):
    """A circle around a point ahead of the first camera, always looking at it."""

    def __init__(self, speed: float = 0.015, distance: float = 3.0, radius: float = 0.6) -> None:
        self.speed, self.distance, self.radius = speed, distance, radius
        self.start: torch.Tensor | None = None

    def next_pose(self, state: ViewState) -> torch.Tensor:
        if self.start is None:
            self.start = state.pose.clone()
        rotation, origin = self.start[:3, :3], self.start[:3, 3]
        centre = origin + rotation[:, 2] * self.distance
        angle = (state.step + 1) * self.speed / self.radius
        offset = rotation[:, 0] * self.radius * math.sin(angle) + rotation[:, 2] * self.radius * (1 - math.cos(angle))
        return look_at((origin + offset)[None], centre[None])[0]


@dataclass
class Keyframe:
    time: float
    pose: torch.Tensor  # [4, 4] camera-to-world in scene units
    fov: float | None


def _vector(value: object, where: str) -> list[float]:
    if not isinstance(value, list) or len(value) != 3 or not all(isinstance(v, (int, float)) for v in value):
        raise InfiniteNatureError(f"{where}: expected a list of 3 numbers, got {value!r}")
    return [float(v) for v in value]


def load_keyframes(path: str | Path) -> list[Keyframe]:
    """Parse a keyframe file; every error names the file and the field (e.g. ``keyframes[2].position``)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InfiniteNatureError(f"{path}: no such keyframe file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InfiniteNatureError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise InfiniteNatureError(f"{path}: expected an object with 'version' and 'keyframes'")
    if data.get("version") != KEYFRAME_VERSION:
        raise InfiniteNatureError(f"{path}: version: expected {KEYFRAME_VERSION}, got {data.get('version')!r}")
    frames = data.get("keyframes")
    if not isinstance(frames, list) or len(frames) < 2:
        raise InfiniteNatureError(f"{path}: keyframes: expected a list of at least 2 keyframes")
    keyframes = []
    for index, frame in enumerate(frames):
        where = f"{path}: keyframes[{index}]"
        if not isinstance(frame, dict):
            raise InfiniteNatureError(f"{where}: expected an object")
        unknown = sorted(set(frame) - {"time", "position", "look_at", "direction", "fov"})
        if unknown:
            raise InfiniteNatureError(f"{where}: unknown field(s) {', '.join(unknown)}")
        time = frame.get("time")
        if not isinstance(time, (int, float)) or time < 0:
            raise InfiniteNatureError(f"{where}.time: expected a number >= 0, got {time!r}")
        if keyframes and time <= keyframes[-1].time:
            raise InfiniteNatureError(f"{where}.time: times must increase ({time} after {keyframes[-1].time})")
        position = torch.tensor([_vector(frame.get("position"), f"{where}.position")], dtype=torch.float64)
        if ("look_at" in frame) == ("direction" in frame):
            raise InfiniteNatureError(f"{where}: give exactly one of look_at or direction")
        try:
            if "look_at" in frame:
                pose = look_at(position, torch.tensor([_vector(frame["look_at"], f"{where}.look_at")], dtype=torch.float64))[0]
            else:
                pose = look_direction(position, torch.tensor([_vector(frame["direction"], f"{where}.direction")], dtype=torch.float64))[0]
        except ValueError as error:
            raise InfiniteNatureError(f"{where}: {error}") from None
        fov = frame.get("fov")
        if fov is not None and (not isinstance(fov, (int, float)) or not 10 <= fov <= 150):
            raise InfiniteNatureError(f"{where}.fov: expected degrees in [10, 150], got {fov!r}")
        keyframes.append(Keyframe(float(time), pose, None if fov is None else float(fov)))
    return keyframes


class KeyframePath(CameraController):
    """Smooth interpolation through keyframes: Catmull-Rom positions, slerped rotations; the
    keyframe poses are relative to the first frame's camera. ``fps`` converts frames to time."""

    def __init__(self, keyframes: list[Keyframe], fps: float) -> None:
        self.keyframes, self.fps = keyframes, fps
        self.start: torch.Tensor | None = None

    @property
    def duration(self) -> float:
        return self.keyframes[-1].time

    def pose_at(self, time: float) -> torch.Tensor:
        frames = self.keyframes
        time = min(max(time, frames[0].time), frames[-1].time)
        index = max(i for i in range(len(frames) - 1) if frames[i].time <= time) if time < frames[-1].time else len(frames) - 2
        a, b = frames[index], frames[index + 1]
        t = (time - a.time) / (b.time - a.time)
        p0 = frames[max(index - 1, 0)].pose[:3, 3]
        p1, p2 = a.pose[:3, 3], b.pose[:3, 3]
        p3 = frames[min(index + 2, len(frames) - 1)].pose[:3, 3]
        t2, t3 = t * t, t * t * t
        position = 0.5 * (2 * p1 + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2 + (-p0 + 3 * p1 - 3 * p2 + p3) * t3)
        pose = interpolate_pose(a.pose[None], b.pose[None], t)[0]
        pose[:3, 3] = position
        return pose

    def fov_at(self, step: int) -> float | None:
        known = [(k.time, k.fov) for k in self.keyframes if k.fov is not None]
        if not known:
            return None
        time = (step + 1) / self.fps
        if time <= known[0][0]:
            return known[0][1]
        for (t0, f0), (t1, f1) in zip(known, known[1:]):
            if time <= t1:
                return f0 + (f1 - f0) * (time - t0) / (t1 - t0)
        return known[-1][1]

    def next_pose(self, state: ViewState) -> torch.Tensor:
        if self.start is None:
            self.start = state.pose.clone()
        relative = self.pose_at((state.step + 1) / self.fps)
        return (self.start @ relative.to(self.start.dtype))
