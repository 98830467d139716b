"""Exporting procedural worlds as an image collection that the training loader reads."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from infinite_nature import __version__
from infinite_nature.data.layout import CAMERA_SUFFIX, DEPTH_SUFFIX, MANIFEST, SKY_SUFFIX
from infinite_nature.data.writer import write_image, write_json, write_npy
from infinite_nature.world.world import World

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
PATH_STEP_INFIX = "_step"  # world_SEED_stepKK: the view K steps along the start view's true path


@dataclass
class ExportSummary:
    written: int
    skipped_existing: int
    failed: int
    seconds: float


def _paths(out: Path, seed: int, path_step: int = 0) -> dict[str, Path]:
    stem = out / (f"world_{seed:07d}" + (f"{PATH_STEP_INFIX}{path_step:02d}" if path_step else ""))
    return {
        "image": stem.with_suffix(".jpg"),
        "depth": stem.with_name(stem.name + DEPTH_SUFFIX),
        "sky": stem.with_name(stem.name + SKY_SUFFIX),
        "camera": stem.with_name(stem.name + CAMERA_SUFFIX),
    }


def _write_view(paths: dict[str, Path], view, record: dict[str, object]) -> None:
    write_image(paths["image"], view.rgb_uint8(), quality=95)
    write_npy(paths["depth"], view.depth[0, 0].numpy())
    write_image(paths["sky"], (view.sky[0, 0].numpy() * 255).astype("uint8"))
    write_json(paths["camera"], view.camera.to_dict() | {"format_version": FORMAT_VERSION, "scene_scale": view.scale} | record)


def export_worlds(
    out: str | Path, count: int, height: int, width: int, start_seed: int = 0, progress: bool = True,
    path_steps: int = 0, step_length: float = 3.0,
) -> ExportSummary:
    """Write ``count`` views (one world per seed ``start_seed .. start_seed + count - 1``).

    With ``path_steps`` > 0 each start view also gets the true views ``1 .. path_steps`` steps
    of ``step_length`` metres along its world's flight path (``world.trajectory``): the pairs
    the refiner's ``trajectory`` training mode learns from.

    Resumable: a seed whose files all exist is skipped. The start view's camera JSON is
    written last, so an interrupted item is redone on the next run.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    if path_steps < 0 or step_length <= 0:
        raise ValueError(f"path_steps must be >= 0 and step_length > 0, got {path_steps} and {step_length}")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    write_json(
        folder / MANIFEST,
        {
            "format_version": FORMAT_VERSION,
            "generator": f"infinite-nature {__version__} procedural world",
            "seeds": [start_seed, start_seed + count - 1],
            "height": height,
            "width": width,
            "depth": "metric camera-z depth in metres, float32, inf for sky",
            "layout": "NAME.jpg with NAME.depth.npy, NAME.sky.png, NAME.camera.json",
            "path_steps": path_steps,
            "step_length_m": step_length,
        },
    )
    written = skipped = failed = 0
    start = time.perf_counter()
    bar = tqdm(range(start_seed, start_seed + count), desc="export", unit="view", disable=not progress)
    for seed in bar:
        paths = _paths(folder, seed)
        along = [_paths(folder, seed, k) for k in range(1, path_steps + 1)]
        if all(p.exists() for item in [paths, *along] for p in item.values()):
            skipped += 1
            continue
        world = World(seed)
        try:
            camera = world.sample_camera(height, width)
        except RuntimeError as error:
            logger.warning("%s", error)
            failed += 1
            continue
        if path_steps:
            path = world.trajectory(camera, path_steps, step_length=step_length)
            for k, step_paths in enumerate(along, start=1):
                _write_view(step_paths, world.render(path[k]), {"world_seed": seed, "path_step": k,
                                                                 "step_length_m": step_length})
        _write_view(paths, world.render(camera), {"world_seed": seed, "world_params": world.params.to_dict()})
        written += 1
        bar.set_postfix(written=written, skipped=skipped, failed=failed)
    return ExportSummary(written, skipped, failed, time.perf_counter() - start)
