"""Training data: photo collections (with cached depth), exported procedural worlds, and
worlds rendered as they are drawn (``--worlds seeds:A-B``).

Batches are a pure function of (seed, step, rank): the loop asks for batch ``step`` and
gets the same images, crops and flips whether or not the run was interrupted and resumed.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from infinite_nature.data.layout import CollectionItem, scan_collection, world_view_stem
from infinite_nature.data.reader import UnreadableImage, load_item, read_rgb
from infinite_nature.disparity import DISPARITY_MIN, normalise_metric_depth
from infinite_nature.errors import InfiniteNatureError, UsageError
from infinite_nature.geometry.intrinsics import crop_intrinsics, intrinsics_from_fov, resize_intrinsics
from infinite_nature.image import image_to_tensor
from infinite_nature.train.colour_jitter import jitter_colours
from infinite_nature.train.configs import CROP_MIN
from infinite_nature.train.sky_clouds import paste_clouds

logger = logging.getLogger(__name__)

CACHE_FOLDER = ".infinite-nature-cache"
CACHE_VERSION = 2  # 2: the built-in network reads photos at its training size (2026-12-06), and weights count
DEFAULT_FOV = 60.0  # assumed for photos without a camera record
HELD_OUT_EVERY = 20  # one item in 20 (by name hash) is held out for validation


WORLD_SEEDS_PREFIX = "seeds:"  # --worlds seeds:A-B renders worlds A..B instead of reading an export
RENDER_SCALE = 1.5  # such views are rendered at 1.5x --resolution: the shipped recipes crop 128² from 192²
RENDER_ATTEMPTS = 4  # a world whose camera sampling fails hands its place to another seed, this many times
RENDERED_VIEWS_KEPT = 256  # rendered views kept in memory per process (about 0.7 MB each at 192²)
MAX_WORLD_SEEDS = 1_000_000  # a range's views are listed up front (and hashed for the held-out split)


def _held_out(name: str) -> bool:
    return hashlib.sha1(name.encode()).digest()[0] % HELD_OUT_EVERY == 0


@dataclass
class Sample:
    """One prepared item: paths only, loaded on demand."""

    item: CollectionItem
    cached: Path | None  # disparity + sky computed by a depth backend, for photos without sidecars

    @property
    def held_out(self) -> bool:
        return _held_out(self.item.image.name)


@dataclass(frozen=True)
class WorldSeed:
    """A world's start view, rendered when it is drawn: the view an export of this seed holds
    (``world export``), without the export. Held out as that export's file would be."""

    seed: int
    size: int  # the square view's side, in pixels

    @property
    def held_out(self) -> bool:
        return _held_out(world_view_stem(self.seed) + ".jpg")


def seed_range(spec: str) -> range | None:
    """The seeds ``seeds:A-B`` names (None for anything else, such as an export's folder)."""
    if not spec.startswith(WORLD_SEEDS_PREFIX):
        return None
    first, dash, last = spec[len(WORLD_SEEDS_PREFIX):].partition("-")
    try:
        seeds = range(int(first), int(last) + 1) if dash else None
    except ValueError:
        seeds = None
    if not seeds or seeds.start < 0:
        raise UsageError(f"--worlds {spec}: expected seeds:FIRST-LAST, whole numbers with 0 <= FIRST <= LAST")
    return seeds


def world_seeds(spec: str, resolution: int) -> list[WorldSeed] | None:
    """The views of ``--worlds seeds:A-B`` (None for any other --worlds, an export's folder)."""
    seeds = seed_range(spec)
    if seeds is None:
        return None
    if len(seeds) > MAX_WORLD_SEEDS:
        raise UsageError(f"--worlds {spec}: {len(seeds):,} worlds, more than the {MAX_WORLD_SEEDS:,} a run can list")
    size = round(resolution * RENDER_SCALE)
    return [WorldSeed(seed, size) for seed in seeds]


@functools.lru_cache(maxsize=RENDERED_VIEWS_KEPT)
def _render_world_seed(seed: int, size: int) -> dict[str, torch.Tensor]:
    from infinite_nature.world import World

    for attempt in range(RENDER_ATTEMPTS):
        world = World(seed + attempt * 1_000_003)
        try:
            camera = world.sample_camera(size, size)
        except RuntimeError:
            continue
        view = world.render(camera)
        return {
            "rgb": view.rgb[0],
            "disparity": view.disparity[0],
            "sky": view.sky[0],
            "intrinsics": camera.intrinsics.float(),
            "rotation": camera.pose[:3, :3].float(),
            "world_seed": torch.tensor(world.seed),
        }
    raise InfiniteNatureError(f"world {seed}: no camera found in it or in the {RENDER_ATTEMPTS - 1} worlds that "
                              "stand in for it")


def _content_key(path: Path, backend: str, weights: str | None) -> str:
    """The cache name of a photo's depth: its bytes, the backend and its weights, and the
    cache's version (so labels from older behaviour are computed afresh)."""
    digest = hashlib.sha1(f"{CACHE_VERSION}|{backend}|{weights or ''}|".encode())
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def prepare_collection(
    folder: str | Path,
    depth: str = "builtin",
    weights: str | None = None,
    device: torch.device = torch.device("cpu"),
    require_depth: bool = True,
    progress: bool = True,
) -> list[Sample]:
    """Every usable photo of a folder; photos without depth get it from ``depth`` once, cached.

    The cache lives in ``FOLDER/.infinite-nature-cache/BACKEND/`` keyed by file content (and
    the backend's weights), so it survives renames and resumes where it stopped. Unreadable
    files are skipped with a warning and counted; an empty or fully unreadable folder is an
    error.
    """
    root = Path(folder)
    try:
        items = scan_collection(root)
    except (FileNotFoundError, NotADirectoryError) as error:
        raise InfiniteNatureError(f"training data: {error}") from None
    if not items:
        raise InfiniteNatureError(f"training data: no photos (.jpg/.jpeg/.png/.webp) under {root}")
    samples: list[Sample] = []
    unreadable = 0
    backend = None
    cache_dir = root / CACHE_FOLDER / depth.replace(":", "_").replace("/", "_")
    bar = tqdm(items, desc="preparing data", unit="photo", disable=not progress)
    for item in bar:
        if item.depth is not None and item.sky is not None or not require_depth:
            try:
                read_rgb(item.image)
            except UnreadableImage as error:
                logger.warning("skipping %s", error)
                unreadable += 1
                continue
            samples.append(Sample(item, None))
            continue
        try:
            rgb = read_rgb(item.image)
            key = _content_key(item.image, depth, weights)
            cached = cache_dir / f"{key}.npz"
            if not cached.exists():
                if backend is None:
                    from infinite_nature.depth import make_depth_backend

                    backend = make_depth_backend(depth, weights, device)
                estimate = backend.estimate(image_to_tensor(rgb))
                cache_dir.mkdir(parents=True, exist_ok=True)
                temporary = cached.with_name(f".{cached.stem}.partial.npz")
                np.savez(temporary, disparity=estimate.disparity[0, 0].cpu().numpy().astype(np.float16),
                         sky=estimate.sky[0, 0].cpu().numpy())
                temporary.replace(cached)
        except UnreadableImage as error:
            logger.warning("skipping %s", error)
            unreadable += 1
            continue
        samples.append(Sample(item, cached))
        bar.set_postfix(unreadable=unreadable)
    if unreadable:
        logger.warning("%d of %d files under %s were unreadable and skipped", unreadable, len(items), root)
    if not samples:
        raise InfiniteNatureError(f"training data: all {len(items)} files under {root} are unreadable")
    return samples


def load_sample(sample: Sample | WorldSeed) -> dict[str, torch.Tensor]:
    """Full-size tensors of one sample: rgb, disparity, sky, intrinsics, rotation, world seed."""
    if isinstance(sample, WorldSeed):
        return dict(_render_world_seed(sample.seed, sample.size))
    if sample.cached is None:
        loaded = load_item(sample.item)
        rgb = loaded.rgb[0]
        if loaded.depth is not None:
            sky = loaded.sky if loaded.sky is not None else torch.isinf(loaded.depth)
            disparity = normalise_metric_depth(loaded.depth, sky)[0][0]
            sky = sky[0]
        else:
            disparity = torch.full_like(rgb[:1], DISPARITY_MIN)
            sky = torch.zeros_like(rgb[:1], dtype=torch.bool)
        camera, metadata = loaded.camera, loaded.metadata
    else:
        rgb = image_to_tensor(read_rgb(sample.item.image))[0]
        with np.load(sample.cached) as data:
            disparity = torch.from_numpy(data["disparity"].astype(np.float32))[None]
            sky = torch.from_numpy(data["sky"])[None]
        camera, metadata = None, {}
    height, width = rgb.shape[-2:]
    intrinsics = camera.intrinsics.float() if camera is not None else intrinsics_from_fov(DEFAULT_FOV, height, width)[0]
    rotation = camera.pose[:3, :3].float() if camera is not None else torch.eye(3)
    return {
        "rgb": rgb,
        "disparity": disparity,
        "sky": sky,
        "intrinsics": intrinsics,
        "rotation": rotation,
        "world_seed": torch.tensor(int(metadata.get("world_seed", -1))),
    }


def crop_and_resize(
    sample: dict[str, torch.Tensor], resolution: int, top: int, left: int, side: int, mirror: bool
) -> dict[str, torch.Tensor]:
    """The square window (top, left, side) resized to ``resolution``, optionally mirrored; intrinsics follow."""
    scale = resolution / side

    def crop(t: torch.Tensor, mode: str) -> torch.Tensor:
        window = t[None, :, top : top + side, left : left + side].float()
        kwargs = {"align_corners": False, "antialias": True} if mode == "bilinear" else {}
        return F.interpolate(window, size=(resolution, resolution), mode=mode, **kwargs)[0]

    k = resize_intrinsics(crop_intrinsics(sample["intrinsics"][None], top, left), scale, scale)[0]
    out = dict(sample)
    out["rgb"] = crop(sample["rgb"], "bilinear").clamp(0, 1)
    out["disparity"] = crop(sample["disparity"], "nearest")
    out["sky"] = crop(sample["sky"], "nearest") > 0.5
    if mirror:
        for key in ("rgb", "disparity", "sky"):
            out[key] = out[key].flip(-1)
        k = k.clone()
        k[0, 2] = (resolution - 1) - k[0, 2]
        if "rotation" in sample:
            flip = torch.diag(torch.tensor([-1.0, 1.0, 1.0]))
            out["rotation"] = flip @ sample["rotation"] @ flip
    out["intrinsics"] = k
    return out


def random_window(height: int, width: int, rng: random.Random, least: float = CROP_MIN) -> tuple[int, int, int]:
    """(top, left, side) of a random square covering ``least`` to all of the short side."""
    side = int(min(height, width) * rng.uniform(least, 1.0))
    return rng.randint(0, height - side), rng.randint(0, width - side), side


def centre_window(height: int, width: int) -> tuple[int, int, int]:
    """(top, left, side) of the largest centred square."""
    side = min(height, width)
    return (height - side) // 2, (width - side) // 2, side


def random_crop(sample: dict[str, torch.Tensor], resolution: int, rng: random.Random, flip: bool,
                least: float = CROP_MIN) -> dict[str, torch.Tensor]:
    """A random square crop (``least`` to all of the short side) resized to ``resolution``, maybe mirrored."""
    top, left, side = random_window(*sample["rgb"].shape[-2:], rng, least)
    return crop_and_resize(sample, resolution, top, left, side, flip and rng.random() < 0.5)


class StepBatches:
    """Deterministic batches: batch ``step`` of rank ``rank`` is always the same. ``samples`` are
    the items drawn from (subclasses draw other items, e.g. path pairs)."""

    def __init__(self, samples: list, resolution: int, batch_size: int, seed: int, flip: bool = True,
                 weights: list[float] | None = None, colour_jitter: float = 0.0, clouds: float = 0.0,
                 crop_min: float = CROP_MIN) -> None:
        if not samples:
            raise InfiniteNatureError("training data: no samples in this split")
        if weights is not None and len(weights) != len(samples):
            raise ValueError(f"{len(weights)} sampling weights for {len(samples)} samples")
        self.samples, self.resolution, self.batch_size, self.seed, self.flip = samples, resolution, batch_size, seed, flip
        self.weights = weights  # relative draw probabilities (None: uniform)
        self.colour_jitter = colour_jitter  # strength of jitter_colours on the RGB input (0: none)
        self.clouds = clouds  # share of the items that get paste_clouds in their sky (0: none)
        self.crop_min = crop_min  # least share of the short side a crop covers

    def batch(self, step: int, rank: int = 0) -> dict[str, torch.Tensor]:
        crops = self.crops(random.Random(f"{self.seed}:{step}:{rank}"))
        return {key: torch.stack([c[key] for c in crops]) for key in crops[0]}

    def crops(self, rng: random.Random) -> list[dict[str, torch.Tensor]]:
        """The batch's items, every random choice drawn from ``rng``."""
        if self.weights is None:
            picks = [rng.randrange(len(self.samples)) for _ in range(self.batch_size)]
        else:
            picks = rng.choices(range(len(self.samples)), weights=self.weights, k=self.batch_size)
        crops = [random_crop(load_sample(self.samples[i]), self.resolution, rng, self.flip, self.crop_min)
                 for i in picks]
        for crop in crops:  # clouds before the jitter, so they take the view's colour changes too
            if self.clouds > 0 and rng.random() < self.clouds:
                crop["rgb"] = paste_clouds(crop["rgb"], crop["sky"], rng)
            if self.colour_jitter > 0:
                crop["rgb"] = jitter_colours(crop["rgb"], self.colour_jitter, rng)
        return crops


def view_draw_weights(samples: list[Sample], far_power: float = 0.0, range_power: float = 0.0,
                      progress: bool = True) -> list[float]:
    """Draw weights that favour the depth network's hardest views, clipped to [1/8, 8]: the
    product of (median ground depth of the view / median of those over the collection) **
    ``far_power`` and (its depth range / the collection's median depth range) ** ``range_power``,
    the depth range being the ground's 95th percentile of disparity over its median.

    Views over distant terrain, and views with a near rock face or crest in front of farther
    ground (a depth range over 4: one view in twenty of the worlds, 6 of the harness's 40, with
    three to four times the others' error), are small shares of a collection and the
    network's worst; drawn uniformly they get too few steps. Both powers 0 give
    uniform weights; a view without ground (all sky) gets weight 1.
    """
    stats: list[tuple[float, float] | None] = []  # (median ground depth, depth range); None: no ground
    for sample in tqdm(samples, desc="weighing views", unit="view", disable=not progress):
        loaded = load_sample(sample)
        ground = loaded["disparity"][~loaded["sky"]].clamp_min(DISPARITY_MIN)
        if ground.numel():
            median = float(ground.median())
            stats.append((1.0 / median, float(torch.quantile(ground, 0.95)) / median))
        else:
            stats.append(None)
    known = [s for s in stats if s is not None]
    typical_depth, typical_range = (float(v) for v in np.median(known, axis=0)) if known else (1.0, 1.0)
    return [1.0 if s is None else
            min(max((s[0] / typical_depth) ** far_power * (s[1] / typical_range) ** range_power, 1 / 8), 8.0)
            for s in stats]


class StepTicker(torch.utils.data.IterableDataset):
    """Yields step numbers forever: the Lightning loop's clock (batches are built from them)."""

    def __iter__(self):
        step = 0
        while True:
            yield step
            step += 1


class HeldOutSet(torch.utils.data.Dataset):
    """Held-out samples as centre crops (no randomness), for validation."""

    def __init__(self, samples: list, resolution: int) -> None:
        self.samples, self.resolution = samples, resolution

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        sample = load_sample(self.samples[index])
        return crop_and_resize(sample, self.resolution, *centre_window(*sample["rgb"].shape[-2:]), mirror=False)


def split(samples: list[Sample]) -> tuple[list[Sample], list[Sample]]:
    """(training, held-out); with fewer than 20 samples every sample is used for both."""
    held = [s for s in samples if s.held_out]
    train = [s for s in samples if not s.held_out]
    if not held or not train:
        return samples, samples
    return train, held
