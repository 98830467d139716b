"""One browser tab's flight: its source, camera, controls, recording, and frames as JPEG.

Every method runs on the flight's own worker thread (the server queues them there in
order), so a session needs no locks; the networks and the depth backend are shared by all
sessions through ``FlightEngine``.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import torch

from infinite_nature.camera import heading
from infinite_nature.demo.config import DemoConfig
from infinite_nature.demo.pilot import DemoPilot
from infinite_nature.demo.protocol import Command
from infinite_nature.depth import make_depth_backend
from infinite_nature.errors import InfiniteNatureError
from infinite_nature.generate.flight import Flight
from infinite_nature.generate.inputs import (
    FirstFrame,
    decode_photo,
    example_frame,
    load_photo,
)
from infinite_nature.generate.video import FrameSink
from infinite_nature.generate.weights import load_flight_networks
from infinite_nature.image import tensor_to_image

logger = logging.getLogger(__name__)

RECORDING_FPS = 15.0
MAX_RECORDINGS_PER_FLIGHT = 5


class FlightEngine:
    """What every flight shares: the networks, the depth backend, the settings."""

    def __init__(self, config: DemoConfig, device: torch.device) -> None:
        self.config, self.device = config, device
        self.networks = load_flight_networks(config.weights, device)
        self.depth = make_depth_backend("builtin", self.networks.depth_weights, device)

    def from_world(self, seed: int) -> FirstFrame:
        try:
            return example_frame(seed, self.config.size)
        except RuntimeError as error:  # no clear start view in this world
            raise InfiniteNatureError(f"world {seed}: {error}; try another seed") from None

    def from_photo(self, first: FirstFrame) -> FirstFrame:
        """Add the depth backend's disparity and sky to a photo."""
        with torch.inference_mode():
            estimate = self.depth.estimate(first.rgb.to(self.device))
        return replace(first, disparity=estimate.disparity.cpu(), sky=estimate.sky.cpu())

    def from_upload(self, data: bytes, name: str) -> FirstFrame:
        if len(data) > self.config.max_upload_bytes:
            size = len(data) / 2**20
            raise InfiniteNatureError(f"{name}: {size:.1f} MB is over the {self.config.max_upload_mb:g} MB upload limit")
        return self.from_photo(decode_photo(data, name, self.config.size, self.config.max_upload_pixels))

    def from_file(self, path: Path) -> FirstFrame:
        return self.from_photo(load_photo(path, self.config.size))


class FlightSession:
    """A steerable flight that yields (JPEG bytes, frame metadata) one step at a time."""

    def __init__(self, engine: FlightEngine, first: FirstFrame, folder: Path, kind: str) -> None:
        self.engine, self.folder = engine, folder
        self.pilot = DemoPilot()
        self.paused = False
        self.last_seq = 0
        self.sink: FrameSink | None = None  # the recording in progress; its file is named by its token
        self.recordings: dict[str, Path] = {}  # finished recordings by token, oldest first
        self._start(first, kind)

    def _start(self, first: FirstFrame, kind: str) -> None:
        self.first, self.kind = first, kind
        if first.disparity is None or first.sky is None:
            raise ValueError("a flight needs a first frame with disparity and sky")
        networks = self.engine.networks
        self.flight = Flight(first.rgb, first.disparity, first.sky, first.fov, networks.refiner, networks.sky, self.pilot,
                             detail=first.detail)
        self.frame = self.flight.current()
        self.fresh = True  # the next advance() sends the current frame instead of moving on

    @property
    def source(self) -> dict:
        height, width = self.first.rgb.shape[-2:]
        source = {"name": self.first.name, "kind": self.kind, "width": width, "height": height}
        return source if self.first.world_seed is None else source | {"seed": self.first.world_seed}

    def apply(self, command: Command) -> dict | None:
        """Carry out one command from the page; returns a message for the page, if any."""
        if command.seq is not None:
            self.last_seq = max(self.last_seq, command.seq)
        values = command.values
        if command.type == "steer":
            self.pilot.steering.push(values["x"], values["y"])
        elif command.type == "speed":
            self.pilot.scale_speed(values["factor"])
        elif command.type == "autopilot":
            self.pilot.set_autopilot(values["on"])
        elif command.type == "pause":
            self.paused = values["on"]
            self.fresh = self.fresh or self.paused  # show the held frame once more, marked paused
        elif command.type == "restart":
            self._restart(self.first, self.kind)
            return {"type": "source", **self.source}
        elif command.type == "world":
            self._restart(self.engine.from_world(values["seed"]), "world")
            return {"type": "source", **self.source}
        elif command.type == "record":
            return self._start_recording() if values["on"] else self._stop_recording()
        return None

    def upload(self, data: bytes, name: str) -> dict:
        """Fly from an uploaded photo; InfiniteNatureError (and the old flight goes on) when it is not usable."""
        self._restart(self.engine.from_upload(data, name), "photo")
        return {"type": "source", **self.source}

    def _restart(self, first: FirstFrame, kind: str) -> None:
        speed, autopilot = self.pilot.speed, self.pilot.autopilot
        self.pilot = DemoPilot(speed, autopilot)
        self._start(first, kind)

    def _start_recording(self) -> dict | None:
        if self.sink is not None:
            return None
        if len(self.recordings) >= MAX_RECORDINGS_PER_FLIGHT:
            oldest = next(iter(self.recordings))
            self.recordings.pop(oldest).unlink(missing_ok=True)
        self.sink = FrameSink(self.folder / f"{secrets.token_hex(16)}.mp4", RECORDING_FPS).__enter__()
        self.sink.write(tensor_to_image(self.frame.rgb))
        return {"type": "recording", "state": "started"}

    def _stop_recording(self) -> dict | None:
        if self.sink is None:
            return None
        sink, self.sink = self.sink, None
        sink.__exit__(None, None, None)
        token = sink.path.stem
        self.recordings[token] = sink.path
        return {"type": "recording", "state": "ready", "url": f"/recordings/{token}.mp4", "frames": sink.count}

    def advance(self) -> tuple[bytes, dict, dict | None]:
        """The next frame (or the current one, if not yet sent) as JPEG + metadata, and a
        recording message when the recording just stopped at its length limit."""
        start = time.perf_counter()
        if self.fresh:
            self.fresh = False
        else:
            self.frame = self.flight.advance()
        image = tensor_to_image(self.frame.rgb)  # [H, W, 3] uint8
        notice = None
        if self.sink is not None:
            self.sink.write(image)
            if self.sink.count >= self.engine.config.max_record_frames:
                notice = self._stop_recording()
        ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                                   [cv2.IMWRITE_JPEG_QUALITY, self.engine.config.jpeg_quality])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        yaw, pitch = heading(self.frame.pose)
        position = self.frame.pose[:3, 3].tolist()
        meta = {
            "type": "frame", "index": self.frame.index, "seq": self.last_seq,
            "yaw": round(yaw, 3), "pitch": round(pitch, 3), "position": [round(v, 4) for v in position],
            "speed": round(self.pilot.speed, 5), "autopilot": self.pilot.autopilot, "paused": self.paused,
            "recording": self.sink is not None, "recovering": self.pilot.recovering,
            "compute_ms": round((time.perf_counter() - start) * 1000, 1),
        }
        return np.asarray(encoded).tobytes(), meta, notice

    def close(self) -> None:
        """Stop any recording and delete this flight's files."""
        if self.sink is not None:
            sink, self.sink = self.sink, None
            sink.__exit__(RuntimeError, RuntimeError("flight closed"), None)
        for path in self.recordings.values():
            path.unlink(missing_ok=True)
        self.recordings.clear()
