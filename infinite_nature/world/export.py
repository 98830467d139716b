"""Exporting procedural worlds as an image collection that the training loader reads."""

from __future__ import annotations

import logging
import time
from concurrent.futures import FIRST_COMPLETED, as_completed, wait
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from infinite_nature import __version__
from infinite_nature.atomic import make_output_folder
from infinite_nature.data.layout import CAMERA_SUFFIX, DEPTH_SUFFIX, MANIFEST, SKY_SUFFIX, world_view_stem
from infinite_nature.data.writer import write_image, write_json, write_npy
from infinite_nature.workers import process_pool
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
    stem = out / (world_view_stem(seed) + (f"{PATH_STEP_INFIX}{path_step:02d}" if path_step else ""))
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


def _export_seed(folder: Path, seed: int, height: int, width: int, path_steps: int, step_length: float) -> tuple[str, str]:
    """One world's start view (and its path views): ("written" | "skipped" | "failed", why it failed)."""
    paths = _paths(folder, seed)
    along = [_paths(folder, seed, k) for k in range(1, path_steps + 1)]
    if all(p.exists() for item in [paths, *along] for p in item.values()):
        return "skipped", ""
    world = World(seed)
    try:
        camera = world.sample_camera(height, width)
    except RuntimeError as error:
        return "failed", str(error)
    if path_steps:
        path = world.trajectory(camera, path_steps, step_length=step_length)
        for k, step_paths in enumerate(along, start=1):
            _write_view(step_paths, world.render(path[k]), {"world_seed": seed, "path_step": k,
                                                             "step_length_m": step_length})
    _write_view(paths, world.render(camera), {"world_seed": seed, "world_params": world.params.to_dict()})
    return "written", ""


def export_worlds(
    out: str | Path, count: int, height: int, width: int, start_seed: int = 0, progress: bool = True,
    path_steps: int = 0, step_length: float = 3.0, workers: int = 0,
) -> ExportSummary:
    """Write ``count`` views (one world per seed ``start_seed .. start_seed + count - 1``).

    With ``path_steps`` > 0 each start view also gets the true views ``1 .. path_steps`` steps
    of ``step_length`` metres along its world's flight path (``world.trajectory``): the pairs
    the refiner's ``trajectory`` training mode learns from.

    Resumable: a seed whose files all exist is skipped. The start view's camera JSON is
    written last, so an interrupted item is redone on the next run. ``workers`` > 0 renders
    in that many processes of one thread each (the same files, faster on several cores).
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    if workers < 0:
        raise ValueError(f"workers must be >= 0, got {workers}")
    if path_steps < 0 or step_length <= 0:
        raise ValueError(f"path_steps must be >= 0 and step_length > 0, got {path_steps} and {step_length}")
    folder = make_output_folder(out)
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
    counts = {"written": 0, "skipped": 0, "failed": 0}
    start = time.perf_counter()
    seeds = range(start_seed, start_seed + count)
    arguments = (height, width, path_steps, step_length)
    bar = tqdm(total=count, desc="export", unit="view", disable=not progress)

    def record(status: str, why: str) -> None:
        counts[status] += 1
        if why:
            logger.warning("%s", why)
        bar.update(1)
        bar.set_postfix(counts)

    if workers:
        with process_pool(workers) as pool:
            pending: set = set()
            for seed in seeds:
                if len(pending) >= 4 * workers:  # a few seeds queued per worker, not all of them at once
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        record(*future.result())
                pending.add(pool.submit(_export_seed, folder, seed, *arguments))
            for future in as_completed(pending):
                record(*future.result())
    else:
        for seed in seeds:
            record(*_export_seed(folder, seed, *arguments))
    bar.close()
    return ExportSummary(counts["written"], counts["skipped"], counts["failed"], time.perf_counter() - start)
