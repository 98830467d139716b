"""True novel-view pairs along procedural-world flight paths: the refiner's ``trajectory`` mode
(Infinite Nature 2021's supervision), read from a folder that ``world export --path-steps N`` wrote.

A pair is a start view (its exact disparity and sky) and the true view ``k`` steps along the
world's flight path, with the camera move between them in the start view's scene units
(``infinite_nature.disparity``). Batches are a pure function of (seed, step, rank), like
``StepBatches``.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass

import torch

from infinite_nature.data.reader import load_item
from infinite_nature.disparity import DISPARITY_MIN, depth_to_disparity, normalise_metric_depth
from infinite_nature.errors import InfiniteNatureError
from infinite_nature.geometry.pose import relative_pose
from infinite_nature.train.data import HeldOutSet, Sample, StepBatches, centre_window, crop_and_resize, random_window

MIRROR = torch.diag(torch.tensor([-1.0, 1.0, 1.0, 1.0]))  # x -> -x in camera coordinates


@dataclass
class PathPairs:
    """A start view and the views 1..K steps along its path (``targets[k - 1]`` is step k)."""

    source: Sample
    targets: list[Sample]

    @property
    def held_out(self) -> bool:
        return self.source.held_out


def _path_record(sample: Sample) -> tuple[int, int] | None:
    """(world seed, path step) of an exported world view; None for anything else."""
    if sample.item.camera is None or sample.cached is not None:
        return None
    try:
        record = json.loads(sample.item.camera.read_text(encoding="utf-8"))
        return int(record["world_seed"]), int(record.get("path_step", 0))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def find_path_pairs(samples: list[Sample]) -> list[PathPairs]:
    """Every start view that has consecutive path steps 1..K beside it (K >= 1)."""
    by_seed: dict[int, dict[int, Sample]] = defaultdict(dict)
    for sample in samples:
        record = _path_record(sample)
        if record is not None:
            by_seed[record[0]][record[1]] = sample
    pairs = []
    for seed in sorted(by_seed):
        steps = by_seed[seed]
        count = 0
        while count + 1 in steps:
            count += 1
        if 0 in steps and count:
            pairs.append(PathPairs(steps[0], [steps[k] for k in range(1, count + 1)]))
    return pairs


def load_pair(pairs: PathPairs, k: int) -> dict[str, torch.Tensor]:
    """Full-size tensors of the start view and of step ``k``, the target in the start's scene units."""
    source, target = load_item(pairs.source.item), load_item(pairs.targets[k - 1].item)
    if source.depth is None or target.depth is None or source.camera is None or target.camera is None:
        raise InfiniteNatureError(f"{pairs.source.item.image}: path views need depth and camera sidecars")
    source_sky = torch.isinf(source.depth) if source.sky is None else source.sky
    target_sky = torch.isinf(target.depth) if target.sky is None else target.sky
    disparity, scale = normalise_metric_depth(source.depth, source_sky)  # z_scene = z_metric * scale
    target_disparity = torch.where(target_sky, DISPARITY_MIN, depth_to_disparity(target.depth * scale))
    transform = relative_pose(source.camera.pose[None], target.camera.pose[None])[0]  # metric, [4, 4]
    transform[:3, 3] *= scale
    return {
        "rgb": source.rgb[0],
        "disparity": disparity[0],
        "sky": source_sky[0],
        "intrinsics": source.camera.intrinsics.float(),
        "transform": transform.float(),
        "target_rgb": target.rgb[0],
        "target_disparity": target_disparity[0],
        "target_sky": target_sky[0],
    }


def crop_pair(
    pair: dict[str, torch.Tensor], resolution: int, top: int, left: int, side: int, mirror: bool
) -> dict[str, torch.Tensor]:
    """The same window of both views (they share intrinsics), resized; mirroring both mirrors the move."""
    source = crop_and_resize(pair, resolution, top, left, side, mirror)
    target = crop_and_resize(
        {"rgb": pair["target_rgb"], "disparity": pair["target_disparity"], "sky": pair["target_sky"],
         "intrinsics": pair["intrinsics"]},
        resolution, top, left, side, mirror,
    )
    transform = MIRROR @ pair["transform"] @ MIRROR if mirror else pair["transform"]
    return {
        "rgb": source["rgb"], "disparity": source["disparity"], "sky": source["sky"],
        "intrinsics": source["intrinsics"], "transform": transform,
        "target_rgb": target["rgb"], "target_disparity": target["disparity"], "target_sky": target["sky"],
    }


class PairBatches(StepBatches):
    """Deterministic batches of pairs (``samples`` are PathPairs): a pair, a step k, one window for both."""

    def crops(self, rng: random.Random) -> list[dict[str, torch.Tensor]]:
        crops = []
        for _ in range(self.batch_size):
            pairs = self.samples[rng.randrange(len(self.samples))]
            pair = load_pair(pairs, rng.randint(1, len(pairs.targets)))
            top, left, side = random_window(*pair["rgb"].shape[-2:], rng)
            crops.append(crop_pair(pair, self.resolution, top, left, side, self.flip and rng.random() < 0.5))
        return crops


class HeldOutPairs(HeldOutSet):
    """Held-out pairs (``samples`` are PathPairs) as centre crops, step k cycling through 1..K."""

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        pairs = self.samples[index]
        pair = load_pair(pairs, 1 + index % len(pairs.targets))
        return crop_pair(pair, self.resolution, *centre_window(*pair["rgb"].shape[-2:]), mirror=False)
