"""The sky mask on real photographs, against hand-made masks: what held-out worlds cannot show.

A depth network's sky head learns from procedural worlds, whose sky is easy to tell from their
ground. On a photo it may call a hazy blue mountain or a bright canopy sky, and a flight then
paints the generated dome over them in every frame. Photos with a sky sidecar (``NAME.sky.png``
beside ``NAME.jpg``, ``infinite_nature.data.layout``: 255 sky, 0 ground, values between not
judged, e.g. sun glare or mist over rock) measure that: the IoU of the flights' sky mask pooled
over every judged pixel of every photo, and for each photo its IoU (where it shows sky) and the
share of its ground called sky.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from tqdm import tqdm

from infinite_nature.data.layout import SKY_SUFFIX, photos_under, sidecar
from infinite_nature.data.reader import UnreadableImage, read_rgb
from infinite_nature.errors import InfiniteNatureError, UsageError
from infinite_nature.generate.inputs import fit_to_size, output_size
from infinite_nature.image import image_to_tensor

REPOSITORY_PHOTOS = Path(__file__).resolve().parents[2] / "examples" / "photos"  # four, in a checkout
PHOTO_LONG_SIDE = 256  # photos are measured at ``generate``'s default size
SURE = 0.05  # a shrunk mask pixel within this of 0 or 1 is judged; nearer the middle it mixes sky and ground

SkyOf = Callable[[torch.Tensor], torch.Tensor]  # photos [1, 3, H, W] in [0, 1] -> sky [1, 1, H, W] bool


@dataclass(frozen=True, eq=False)
class JudgedPhoto:
    """A photo at ``generate``'s working size and its hand-made mask shrunk and cropped the same
    way; read once, measured as often as needed (each validation of a training run)."""

    name: str
    rgb: torch.Tensor  # [1, 3, H, W] in [0, 1]
    sky: torch.Tensor  # [1, 1, H, W] bool
    judged: torch.Tensor  # [1, 1, H, W] bool: pixels the mask says sky or ground of


def _read(path: Path, what: str, reader: Callable[[Path], np.ndarray]) -> np.ndarray:
    try:
        return reader(path)
    except (UnreadableImage, UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise InfiniteNatureError(f"{path}: not a readable {what} ({error.__cause__ or error})") from None


def _grey(path: Path) -> np.ndarray:  # [H, W] uint8
    with Image.open(path) as image:
        return np.asarray(image.convert("L"))


def _judge(photo: Path, mask_path: Path, long_side: int) -> JudgedPhoto:
    rgb = image_to_tensor(_read(photo, "image", read_rgb))
    mask = _read(mask_path, "sky mask", _grey)
    if mask.shape != tuple(rgb.shape[-2:]):
        raise InfiniteNatureError(f"{mask_path}: the sky mask is {mask.shape[1]}x{mask.shape[0]}, "
                                  f"its photo {rgb.shape[-1]}x{rgb.shape[-2]}")
    size = output_size(*rgb.shape[-2:], long_side)
    share = fit_to_size(torch.from_numpy(mask.astype(np.float32) / 255.0)[None, None], *size)  # [1, 1, H, W]
    sky, ground = share >= 1.0 - SURE, share <= SURE
    return JudgedPhoto(photo.stem, fit_to_size(rgb, *size), sky, sky | ground)


def judged_photos(photos: list[Path], long_side: int = PHOTO_LONG_SIDE) -> list[JudgedPhoto]:
    """Those of ``photos`` with a sky sidecar, read and checked against their masks."""
    return [_judge(photo, sidecar(photo, SKY_SUFFIX), long_side) for photo in photos
            if sidecar(photo, SKY_SUFFIX).is_file()]


def sky_photos_option(folder: str | None, flag: str, required: bool) -> tuple[JudgedPhoto, ...]:
    """The photos ``flag`` names, read and checked before any long work: a folder, ``none``
    (``required`` False), or by default the repository's examples/photos where it is (an
    install without them: a usage error when ``required``, none otherwise)."""
    if folder == "none" and not required:
        return ()
    if folder is None and not REPOSITORY_PHOTOS.is_dir():
        if not required:
            return ()
        raise UsageError(f"a depth network is judged on real photos' sky too: pass {flag} DIR, a folder of photos "
                         "with hand-made sky masks (NAME.sky.png beside NAME.jpg; the repository's examples/photos)")
    path = Path(folder) if folder else REPOSITORY_PHOTOS
    if not path.is_dir():
        raise UsageError(f"{flag} {path}: no such folder")
    photos = tuple(judged_photos(photos_under(path)))
    if not photos:
        raise UsageError(f"{flag} {path}: no photo with a sky mask (NAME.sky.png beside NAME.jpg) in this folder")
    return photos


@torch.no_grad()
def evaluate_photo_sky(sky_of: SkyOf, photos: list[JudgedPhoto], progress: bool = False) -> dict[str, object]:
    """Pooled IoU over the judged pixels of all ``photos`` (1.0 where neither the masks nor the
    network show any sky), and each photo's IoU (None where its mask has no sky) and share of its
    ground called sky."""
    if not photos:
        raise ValueError("no photos with a sky mask to measure")
    intersection = union = 0
    by_photo: dict[str, dict[str, float | None]] = {}
    for photo in tqdm(photos, desc="photo sky", unit="photo", disable=not progress):
        truth, judged = photo.sky, photo.judged
        sky = sky_of(photo.rgb).cpu().bool() & judged
        ground = judged & ~truth
        overlap, either = int((sky & truth).sum()), int((sky | truth).sum())
        intersection, union = intersection + overlap, union + either
        by_photo[photo.name] = {"iou": overlap / either if truth.any() else None,
                                "false_sky": float((sky & ground).sum()) / float(ground.sum()) if ground.any() else None}
    return {"iou": intersection / union if union else 1.0, "by_photo": by_photo, "photos": len(photos)}
