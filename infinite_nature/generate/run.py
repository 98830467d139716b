"""One flythrough from one input to its files: the body of ``infinite-nature generate``."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import torch
from tqdm import tqdm

from infinite_nature.atomic import write_text_atomic
from infinite_nature.camera import AutoPilot, AutoPilotConfig, KeyframePath, OrbitPath, StraightPath, load_keyframes
from infinite_nature.camera.base import CameraController
from infinite_nature.depth import make_depth_backend
from infinite_nature.depth.base import DepthBackend
from infinite_nature.errors import InfiniteNatureError
from infinite_nature.generate.cameras import CameraLog
from infinite_nature.generate.flight import Flight
from infinite_nature.generate.inputs import FirstFrame
from infinite_nature.generate.video import FrameSink
from infinite_nature.generate.weights import FlightNetworks
from infinite_nature.image import tensor_to_image


@dataclass
class GenerateOptions:
    frames: int = 120
    fps: float = 30.0
    speed: float = 0.015
    path: str = "autopilot"
    seed: int = 0
    meander: float = 0.0
    depth: str = "builtin"
    depth_kind: str = "disparity"
    depth_weights: str | None = None
    save_depth: bool = False
    save_cameras: bool = False
    preview: bool = False
    overwrite: bool = False
    dtype: torch.dtype = torch.float32
    progress: bool = True
    photo_detail: bool = True  # read a photo's finer pixels where the flight magnifies it
    detail_octaves: bool = True  # texture finer than the source where the flight magnifies past it
    aerial_perspective: bool = True  # ground clears of the haze it was seen through as the camera nears it


def make_controller(options: GenerateOptions) -> CameraController:
    if options.path == "autopilot":
        return AutoPilot(AutoPilotConfig(speed=options.speed, meander=options.meander))
    if options.path == "straight":
        return StraightPath(options.speed)
    if options.path == "orbit":
        return OrbitPath(options.speed)
    return KeyframePath(load_keyframes(options.path), options.fps)


def companion_paths(output: Path, options: GenerateOptions) -> dict[str, Path]:
    """The extra files a run writes beside its video, by option."""
    stem = output.with_suffix("") if output.suffix else output
    paths = {}
    if options.save_depth:
        paths["depth"] = stem.with_name(stem.name + "_depth" + (output.suffix or ""))
    if options.preview:
        paths["preview"] = stem.with_name(stem.name + "_preview" + (output.suffix or ""))
    if options.save_cameras:
        paths["cameras"] = stem.with_name(stem.name + "_transforms.json")
    return paths


def _colour_disparity(disparity: torch.Tensor) -> np.ndarray:
    grey = (disparity[0, 0].clamp(0, 1).cpu().numpy() * 255).astype(np.uint8)
    return cv2.cvtColor(cv2.applyColorMap(grey, cv2.COLORMAP_TURBO), cv2.COLOR_BGR2RGB)


def photo_depth_backend(options: GenerateOptions, networks: FlightNetworks, device: torch.device) -> DepthBackend:
    """The depth backend ``options`` choose for photos (the flight's own depth + sky network for
    ``builtin``), with that network's sky head for backends that have none."""
    weights = options.depth_weights or (networks.depth_weights if options.depth == "builtin" else None)
    return make_depth_backend(options.depth, weights, device, options.depth_kind, sky_weights=networks.depth_weights)


def prepare_first_frame(first: FirstFrame, options: GenerateOptions, networks: FlightNetworks, device: torch.device) -> FirstFrame:
    """Add disparity and sky from the chosen depth backend when the input has none."""
    if first.disparity is not None and first.sky is not None:
        return first
    estimate = photo_depth_backend(options, networks, device).estimate(first.rgb.to(device))
    return replace(first, disparity=estimate.disparity.cpu(), sky=estimate.sky.cpu())


def generate_one(first: FirstFrame, output: Path, networks: FlightNetworks, options: GenerateOptions, device: torch.device) -> dict:
    """Fly ``options.frames`` frames from ``first`` into ``output`` (+ companions); returns a summary."""
    extras = companion_paths(output, options)
    for path in [output, *extras.values()]:
        if path.exists() and not options.overwrite:
            raise InfiniteNatureError(f"{path} exists; pass --overwrite to replace it")
    first = prepare_first_frame(first, options, networks, device)
    controller = make_controller(options)
    flight = Flight(first.rgb, first.disparity, first.sky, first.fov, networks.refiner, networks.sky, controller,
                    seed=options.seed, dtype=options.dtype, detail=first.detail if options.photo_detail else None,
                    detail_octaves=options.detail_octaves, aerial_perspective=options.aerial_perspective)
    height, width = first.rgb.shape[-2:]
    log = CameraLog(height, width)
    first_image = tensor_to_image(first.rgb)
    start = time.perf_counter()
    sinks = {"video": FrameSink(output, options.fps, options.overwrite)}
    for name in ("depth", "preview"):
        if name in extras:
            sinks[name] = FrameSink(extras[name], options.fps, options.overwrite)
    with sinks["video"], sinks.get("depth", FrameSink.null()), sinks.get("preview", FrameSink.null()):
        bar = tqdm(total=options.frames, desc=first.name, unit="frame", disable=not options.progress)
        for frame in flight:
            image = tensor_to_image(frame.rgb)
            sinks["video"].write(image)
            if "depth" in sinks or "preview" in sinks:
                coloured = _colour_disparity(frame.disparity)
                if "depth" in sinks:
                    sinks["depth"].write(coloured)
                if "preview" in sinks:
                    sinks["preview"].write(np.concatenate([first_image, coloured, image], axis=1))
            log.add(frame.index, frame.pose, frame.intrinsics)
            bar.update(1)
            if frame.index + 1 >= options.frames:
                break
        bar.close()
    seconds = time.perf_counter() - start
    if "cameras" in extras:
        write_text_atomic(extras["cameras"], json.dumps(log.to_json(), indent=2))
    return {
        "input": first.name,
        "output": str(output),
        "frames": options.frames,
        "seconds": round(seconds, 2),
        "fps": round(options.frames / max(seconds, 1e-9), 2),
        "recoveries": controller.recoveries,
        "nonfinite_events": flight.nonfinite_events,
    }
