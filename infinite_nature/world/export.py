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


@dataclass
class ExportSummary:
    written: int
    skipped_existing: int
    failed: int
    seconds: float


def _paths(out: Path, seed: int) -> dict[str, Path]:
    stem = out / f"world_{seed:07d}"
    return {
        "image": stem.with_suffix(".jpg"),
        "depth": stem.with_name(stem.name + DEPTH_SUFFIX),
        "sky": stem.with_name(stem.name + SKY_SUFFIX),
        "camera": stem.with_name(stem.name + CAMERA_SUFFIX),
    }


def export_worlds(
    out: str | Path, count: int, height: int, width: int, start_seed: int = 0, progress: bool = True
) -> ExportSummary:
    """Write ``count`` views (one world per seed ``start_seed .. start_seed + count - 1``).

    Resumable: a seed whose files all exist is skipped. The camera JSON is written last,
    so an interrupted item is redone on the next run.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
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
        },
    )
    written = skipped = failed = 0
    start = time.perf_counter()
    bar = tqdm(range(start_seed, start_seed + count), desc="export", unit="view", disable=not progress)
    for seed in bar:
        paths = _paths(folder, seed)
        if all(p.exists() for p in paths.values()):
            skipped += 1
            continue
        world = World(seed)
        try:
            camera = world.sample_camera(height, width)
        except RuntimeError as error:
            logger.warning("%s", error)
            failed += 1
            continue
        view = world.render(camera)
        write_image(paths["image"], view.rgb_uint8(), quality=95)
        write_npy(paths["depth"], view.depth[0, 0].numpy())
        write_image(paths["sky"], (view.sky[0, 0].numpy() * 255).astype("uint8"))
        record = camera.to_dict() | {
            "format_version": FORMAT_VERSION,
            "world_seed": seed,
            "scene_scale": view.scale,
            "world_params": world.params.to_dict(),
        }
        write_json(paths["camera"], record)
        written += 1
        bar.set_postfix(written=written, skipped=skipped, failed=failed)
    return ExportSummary(written, skipped, failed, time.perf_counter() - start)
