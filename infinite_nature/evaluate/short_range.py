"""Short-range quality against ground truth on held-out procedural worlds, with baselines.

For each held-out world: a start view and a ground-truth forward trajectory. At chosen
steps the generated frame is compared with the true view: PSNR, SSIM, disparity error.
Baselines in the same run: warp only (the first frame rendered straight to the camera of
step k as flights render it: splatted, colour resampled; holes black) and warp + OpenCV
inpainting (Telea). So the baselines share our renderer, and the gap is the hole filling's.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import cv2
import numpy as np
import torch
from tqdm import tqdm

from infinite_nature.camera.base import CameraController, ViewState
from infinite_nature.evaluate.metrics import disparity_abs_rel, psnr, sharpness, ssim
from infinite_nature.generate.flight import Flight
from infinite_nature.geometry.pose import relative_pose
from infinite_nature.image import image_to_tensor, tensor_to_image
from infinite_nature.render import splat
from infinite_nature.render.resample import resample_colour
from infinite_nature.world import World

HELD_OUT_SEEDS = tuple(range(5000, 5100))  # never used for training (training seeds start at 100000)
VALIDATION_SEEDS = tuple(range(6000, 6100))  # nor these: choose designs on them, report on the held-out ones


@dataclass
class ShortRangeConfig:
    seeds: tuple[int, ...] = field(default=HELD_OUT_SEEDS[:20])
    size: int = 128
    steps: tuple[int, ...] = (1, 2, 5, 10, 20)
    step_length_m: float = 3.0
    progress: bool = False  # a progress bar over the worlds


class FollowPath(CameraController):
    """Replays known poses (scene units, relative to the first camera)."""

    def __init__(self, poses: list[torch.Tensor]) -> None:
        self.poses = poses

    def next_pose(self, state: ViewState) -> torch.Tensor:
        return self.poses[min(state.step + 1, len(self.poses) - 1)]


def _scene_poses(cameras, scale: float) -> list[torch.Tensor]:
    """World camera poses -> poses relative to the first camera, translations in scene units."""
    start_inverse = torch.linalg.inv(cameras[0].pose.double())
    poses = []
    for camera in cameras:
        relative = start_inverse @ camera.pose.double()
        relative[:3, 3] *= scale  # t_scene = t_metric * scale (infinite_nature.disparity)
        poses.append(relative)
    return poses


def _telea(image: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    array = tensor_to_image(image)
    holes = (~valid[0, 0]).cpu().numpy().astype(np.uint8) * 255
    return image_to_tensor(cv2.inpaint(array, holes, 3, cv2.INPAINT_TELEA))


ShortRangeResults = dict[str, dict[int, dict[str, float]]]  # method -> step -> metric -> mean over worlds
WorldResults = dict[str, dict[int, dict[str, dict[int, float]]]]  # method -> step -> metric -> seed -> value


def evaluate_short_range(config: ShortRangeConfig, networks) -> tuple[ShortRangeResults, WorldResults]:
    """Mean metrics per method and step (``{"ours": {1: {"psnr": ..}, ..}, "warp": .., "warp_telea": ..}``),
    and every world's own values: a mean over 20 worlds can move by a dB when one flight breaks
    down, which only the worlds' own values show."""
    per_world: WorldResults = {m: {s: {} for s in config.steps} for m in ("ours", "warp", "warp_telea", "truth")}
    last = max(config.steps)
    for seed in tqdm(config.seeds, desc="short range", unit="world", disable=not config.progress):
        world = World(seed)
        start = world.sample_camera(config.size, config.size)
        cameras = world.trajectory(start, last, step_length=config.step_length_m)
        first = world.render(start)
        poses = _scene_poses(cameras, first.scale)
        flight = Flight(first.rgb, first.disparity, first.sky, world.params.fov_degrees, networks.refiner, networks.sky,
                        FollowPath(poses))
        k = flight.intrinsics
        for frame in flight:
            if frame.index in config.steps:
                truth = world.render(cameras[frame.index])
                # the truth's disparity in the flight's scene units: 1 / (z_metric * scale of the first frame)
                true_disparity = (1.0 / (truth.depth * first.scale)).clamp(0.01, 1.0)
                ground = ~truth.sky
                transform = relative_pose(poses[0][None], poses[frame.index][None]).float()
                warped = resample_colour(splat(first.rgb, first.disparity, k, transform), first.rgb, first.disparity, k, k,
                                         transform)
                methods = {
                    "ours": (frame.rgb, frame.disparity),
                    "warp": (warped.features * warped.valid, warped.disparity),
                    "warp_telea": (_telea(warped.features, warped.valid), warped.disparity),
                }
                for name, (rgb, disparity) in methods.items():
                    values = per_world[name][frame.index]
                    values.setdefault("psnr", {})[seed] = float(psnr(rgb, truth.rgb))
                    values.setdefault("ssim", {})[seed] = float(ssim(rgb, truth.rgb))
                    values.setdefault("disparity_abs_rel", {})[seed] = float(
                        disparity_abs_rel(disparity, true_disparity, ground))
                    values.setdefault("sharpness", {})[seed] = float(sharpness(rgb))
                per_world["truth"][frame.index].setdefault("sharpness", {})[seed] = float(sharpness(truth.rgb))
            if frame.index >= last:
                break
    means = {m: {s: {k: statistics.fmean(v.values()) for k, v in values.items()} for s, values in steps.items()}
             for m, steps in per_world.items()}
    return means, per_world
