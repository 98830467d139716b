"""The on-disk layout of an image collection, shared by user photo folders and world exports.

A collection is a folder (searched recursively) of photos. Each photo ``NAME.jpg`` may have
sidecar files beside it, all optional:

* ``NAME.depth.npy``  float32 ``[H, W]`` metric camera-z depth, ``inf`` where sky;
* ``NAME.sky.png``    8-bit mask, 255 where sky (read as sky above 127; a hand-made mask for
  evaluation may mark pixels it does not judge with values between 0 and 255:
  ``evaluate.photo_sky``);
* ``NAME.camera.json`` the camera (``Camera.to_dict``) plus any metadata (world seed, params).

A world export also writes ``manifest.json`` at the top. A user's own photo folder is the
same thing without sidecars.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
DEPTH_SUFFIX = ".depth.npy"
SKY_SUFFIX = ".sky.png"
CAMERA_SUFFIX = ".camera.json"
MANIFEST = "manifest.json"
SIDECAR_MARKERS = (".sky.", ".depth.", ".camera.")
_WORLD_VIEW = re.compile(r"world_(\d+)")  # a world export's view: world_SEED (7 digits, more past 9,999,999)


def world_view_stem(seed: int) -> str:
    """The file stem of world ``seed``'s start view in an export (``world export``)."""
    return f"world_{seed:07d}"


def world_seed_of(name: str) -> int | None:
    """The world seed an exported file's name carries (its start view's or a path view's); None for others."""
    match = _WORLD_VIEW.match(name)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class CollectionItem:
    """One photo and whichever sidecars exist for it."""

    image: Path
    depth: Path | None
    sky: Path | None
    camera: Path | None

    @property
    def stem(self) -> str:
        return self.image.name[: -len(self.image.suffix)]


def sidecar(image: Path, suffix: str) -> Path:
    return image.with_name(image.name[: -len(image.suffix)] + suffix)


def is_photo(path: Path) -> bool:
    """A photo of the collection (not a sidecar, not hidden, not a partial write)."""
    name = path.name.lower()
    return (
        path.is_file()
        and path.suffix.lower() in IMAGE_SUFFIXES
        and not name.startswith(".")
        and not any(marker in name for marker in SIDECAR_MARKERS)
    )


def photos_under(root: Path) -> list[Path]:
    """Every photo below ``root``, sorted by path. Linked folders are followed (collections are
    often put together from links: ``Path.rglob`` skips them) and every real folder is read
    once, so a link back up the tree ends."""
    found, visited = [], set()
    for folder, subfolders, files in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in visited:
            subfolders.clear()
            continue
        visited.add(real)
        subfolders.sort()  # which of two links to one folder names its photos: the first by name
        found += [path for path in (Path(folder) / name for name in files) if is_photo(path)]
    return sorted(found)


def scan_collection(folder: str | Path) -> list[CollectionItem]:
    """Every photo under ``folder`` (recursive, sorted) with its sidecars."""
    root = Path(folder)
    if not root.exists():
        raise FileNotFoundError(f"no such folder: {root}")
    if not root.is_dir():
        raise NotADirectoryError(f"not a folder: {root}")
    items = []
    for image in photos_under(root):
        found = {suffix: sidecar(image, suffix) for suffix in (DEPTH_SUFFIX, SKY_SUFFIX, CAMERA_SUFFIX)}
        items.append(
            CollectionItem(
                image=image,
                depth=found[DEPTH_SUFFIX] if found[DEPTH_SUFFIX].exists() else None,
                sky=found[SKY_SUFFIX] if found[SKY_SUFFIX].exists() else None,
                camera=found[CAMERA_SUFFIX] if found[CAMERA_SUFFIX].exists() else None,
            )
        )
    return items
