"""Long-range behaviour: how flights age over hundreds of steps.

Auto-pilot flights from held-out procedural starts (and from any photo folder) record per
step: sharpness, colour drift from the first frame (Lab mean and std), sky fraction,
temporal flicker (a frame against the previous one warped into it), non-finite values;
per flight: auto-pilot recoveries, failures (for world flights: frames whose camera, mapped
back to world metres, is under the ground or water) and frames kept for the contact sheet.

World flights also meet the truth: every ``truth_every`` steps the world is rendered at the
flown pose and compared with the frame after 4x4 averaging (coarse PSNR and Lab error),
since the fine texture a long flight invents cannot match. Drift from the first frame
cannot tell a flight that loses its colours from one that flies somewhere of other
colours, and it rewards bland views; the truth can.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from tqdm import tqdm

from infinite_nature.camera import AutoPilot
from infinite_nature.evaluate.metrics import coarse_lab_error, coarse_psnr, colour_drift, sharpness, temporal_flicker
from infinite_nature.evaluate.short_range import HELD_OUT_SEEDS
from infinite_nature.generate.flight import Flight
from infinite_nature.geometry.camera import Camera
from infinite_nature.geometry.pose import relative_pose
from infinite_nature.image import tensor_to_image
from infinite_nature.world import World

REALISM_STEPS = 128
SERIES = ("sharpness", "drift_lab_mean", "drift_lab_std", "sky_fraction", "flicker", "nonfinite")


TRUTH_KEYS = ("coarse_psnr", "coarse_lab_error")  # what a world flight's frames are measured by against the truth


@dataclass
class LongRangeConfig:
    seeds: tuple[int, ...] = field(default=HELD_OUT_SEEDS[50:54])
    steps: int = 500
    size: int = 128
    sheet_every: int = 50
    truth_every: int = 25  # world flights: compare with the world rendered at the flown pose this often
    progress: bool = False  # a progress bar for each flight


@dataclass
class FlightRecord:
    name: str
    series: dict[str, list[float]]
    recoveries: int
    failures: int  # frames under the terrain (world flights; 0 for photos, which have no ground truth)
    sheet: list  # uint8 frames every ``sheet_every`` steps
    early: dict  # step -> uint8 frame for steps 1..REALISM_STEPS (FID/KID by step range)
    truth: dict  # step -> {"coarse_psnr", "coarse_lab_error"} against the world at the flown pose (worlds only)


def fly_and_measure(
    first_rgb, first_disparity, first_sky, fov, networks, name: str, config: LongRangeConfig, world_check=None,
    detail=None, true_view=None,
) -> FlightRecord:
    """Fly and record; ``world_check(pose) -> clearance in metres`` flags frames under the ground;
    ``detail``: a photo's finer pixels (``FirstFrame.detail``); ``true_view(pose) -> [1, 3, H, W]``
    the world's own view at a flown pose."""
    flight = Flight(first_rgb, first_disparity, first_sky, fov, networks.refiner, networks.sky, AutoPilot(), detail=detail)
    series: dict[str, list[float]] = {key: [] for key in SERIES}
    sheet = []
    early = {}
    truth = {}
    failures = 0
    previous = None
    bar = tqdm(total=config.steps + 1, desc=name, unit="frame", disable=not config.progress)  # frames 0..steps
    for frame in flight:
        bar.update(1)
        rgb = frame.rgb
        series["sharpness"].append(float(sharpness(rgb)))
        mean_drift, std_drift = colour_drift(rgb, first_rgb.to(rgb.device))
        series["drift_lab_mean"].append(float(mean_drift))
        series["drift_lab_std"].append(float(std_drift))
        series["sky_fraction"].append(float(frame.sky.float().mean()))
        series["nonfinite"].append(float((~torch.isfinite(rgb)).sum() + (~torch.isfinite(frame.disparity)).sum()))
        if previous is None:
            series["flicker"].append(0.0)
        else:
            transform = relative_pose(previous.pose[None], frame.pose[None]).float().to(rgb.device)
            series["flicker"].append(float(temporal_flicker(previous.rgb, previous.disparity, rgb, previous.intrinsics[None], transform)))
        if world_check is not None and world_check(frame.pose) < 0:
            failures += 1
        if frame.index % config.sheet_every == 0:
            sheet.append(tensor_to_image(rgb))
        if 1 <= frame.index <= REALISM_STEPS:
            early[frame.index] = tensor_to_image(rgb)
        if true_view is not None and frame.index > 0 and frame.index % config.truth_every == 0:
            target = true_view(frame.pose).to(rgb.device)
            truth[frame.index] = dict(zip(TRUTH_KEYS, (float(coarse_psnr(rgb, target)),
                                                       float(coarse_lab_error(rgb, target)))))
        previous = frame
        if frame.index >= config.steps:
            break
    bar.close()
    return FlightRecord(name, series, flight.controller.recoveries, failures, sheet, early, truth)


def clearance_check(world: World, start_pose: torch.Tensor, scale: float):
    """Metres between a flight camera (scene units, first camera at the origin) and the world's surface."""

    def clearance(pose: torch.Tensor) -> float:
        position = start_pose[:3, 3] + start_pose[:3, :3] @ (pose[:3, 3].double() / scale)
        return -float(position[1]) - world.surface_height(float(position[0]), float(position[2]))

    return clearance


def world_view_at(world: World, start: Camera, scale: float):
    """The world's own view ([1, 3, H, W]) from a flight pose (scene units, first camera at the origin)."""

    def view(pose: torch.Tensor) -> torch.Tensor:
        relative = pose.double().clone()
        relative[:3, 3] /= scale  # scene units -> metres (infinite_nature.disparity)
        pose_in_world = (start.pose.double() @ relative).to(start.pose.dtype)
        return world.render(Camera(start.intrinsics, pose_in_world, start.height, start.width)).rgb

    return view


def evaluate_long_range(config: LongRangeConfig, networks, photos: list | None = None) -> list[FlightRecord]:
    """One record per held-out world start, then one per photo (``FirstFrame`` with depth)."""
    records = []
    for seed in config.seeds:
        world = World(seed)
        camera = world.sample_camera(config.size, config.size)
        view = world.render(camera)
        check = clearance_check(world, camera.pose, view.scale)
        records.append(fly_and_measure(view.rgb, view.disparity, view.sky, world.params.fov_degrees, networks,
                                       f"world{seed}", config, check, true_view=world_view_at(world, camera, view.scale)))
    for first in photos or []:
        records.append(fly_and_measure(first.rgb, first.disparity, first.sky, first.fov, networks, first.name, config,
                                       detail=first.detail))
    return records
