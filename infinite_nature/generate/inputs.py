"""Turning a user's photo (or the built-in example) into the flight's first frame."""

from __future__ import annotations

import glob
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

from infinite_nature.data.layout import photos_under
from infinite_nature.data.reader import UnreadableImage, read_rgb
from infinite_nature.errors import InfiniteNatureError
from infinite_nature.generate.choices import DEFAULT_MAX_PIXELS
from infinite_nature.image import image_to_tensor
from infinite_nature.render.source_detail import detail_factor

SIZE_MULTIPLE = 16
UPSCALE_WARNING = 4.0  # a photo enlarged more than this has too few pixels for a sharp flight

logger = logging.getLogger(__name__)


@dataclass
class FirstFrame:
    rgb: torch.Tensor  # [1, 3, H, W] in [0, 1], H and W multiples of 16
    name: str
    disparity: torch.Tensor | None = None  # known exactly (the procedural example)
    sky: torch.Tensor | None = None
    fov: float = 60.0
    world_seed: int | None = None  # the procedural world it comes from, if any
    detail: torch.Tensor | None = None  # [1, 3, kH, kW] the photo at k = 2 or 4 times rgb's size, if it has the pixels


def expand_inputs(specs: list[str]) -> list[Path]:
    """Files, folders (recursive) and globs -> photo paths, in order, without duplicates."""
    paths: list[Path] = []
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            found = photos_under(path)
            if not found:
                raise InfiniteNatureError(f"{spec}: no photos (.jpg/.jpeg/.png/.webp) in this folder")
            paths += found
        elif any(ch in spec for ch in "*?["):
            found = sorted(Path(p) for p in glob.glob(spec, recursive=True) if Path(p).is_file())
            if not found:
                raise InfiniteNatureError(f"{spec}: the pattern matches no files")
            paths += found
        else:
            paths.append(path)
    unique: list[Path] = []
    for path in paths:
        if path not in unique:
            unique.append(path)
    return unique


def fit_to_size(rgb: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Scale to cover (height, width) keeping the aspect ratio, then centre-crop: no padding, no stretch."""
    source_h, source_w = rgb.shape[-2:]
    scale = max(height / source_h, width / source_w)
    size = (max(height, round(source_h * scale)), max(width, round(source_w * scale)))
    resized = F.interpolate(rgb, size=size, mode="bilinear", align_corners=False, antialias=True).clamp(0, 1)
    top, left = (size[0] - height) // 2, (size[1] - width) // 2
    return resized[..., top : top + height, left : left + width]


def output_size(source_h: int, source_w: int, long_side: int) -> tuple[int, int]:
    """Keep the photo's aspect with the longer side at ``long_side``, both sides multiples of 16."""
    scale = long_side / max(source_h, source_w)
    to_multiple = lambda v: max(SIZE_MULTIPLE, int(round(v * scale / SIZE_MULTIPLE)) * SIZE_MULTIPLE)  # noqa: E731
    return to_multiple(source_h), to_multiple(source_w)


def load_photo(path: str | Path, long_side: int = 256, max_pixels: int = DEFAULT_MAX_PIXELS) -> FirstFrame:
    """A photo as the first frame; one clear error line for every kind of bad file."""
    path = Path(path)
    if not path.exists():
        raise InfiniteNatureError(f"{path}: no such file")
    if path.is_dir():
        raise InfiniteNatureError(f"{path}: is a folder")
    if path.stat().st_size == 0:
        raise InfiniteNatureError(f"{path}: empty file (0 bytes)")
    return _decode(path, str(path), path.stem, long_side, max_pixels, "; raise it with --max-pixels")


def decode_photo(data: bytes, name: str, long_side: int, max_pixels: int = DEFAULT_MAX_PIXELS) -> FirstFrame:
    """Image bytes (an upload) as the first frame, with the same checks as ``load_photo``."""
    if not data:
        raise InfiniteNatureError(f"{name}: empty file (0 bytes)")
    return _decode(io.BytesIO(data), name, Path(name).stem or "upload", long_side, max_pixels, "")


def _decode(source, label: str, stem: str, long_side: int, max_pixels: int, hint: str) -> FirstFrame:
    """Check the pixel count from the header before decoding, then decode, scale and crop."""
    try:
        with Image.open(source) as probe:
            width, height = probe.size
    except Image.DecompressionBombError:
        raise InfiniteNatureError(f"{label}: too many pixels{hint}") from None
    except (UnidentifiedImageError, OSError) as error:
        raise InfiniteNatureError(f"{label}: not a supported image ({error})") from None
    if width * height > max_pixels:
        raise InfiniteNatureError(
            f"{label}: {width}x{height} is {width * height / 1e6:.3g} MP, over the {max_pixels / 1e6:g} MP limit{hint}"
        )
    if hasattr(source, "seek"):
        source.seek(0)
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max(max_pixels, previous or 0)
    try:
        array = read_rgb(source)
    except UnreadableImage as error:
        raise InfiniteNatureError(f"{label}: not a readable image ({error.__cause__ or error})") from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    rgb = image_to_tensor(array)
    target_h, target_w = output_size(*rgb.shape[-2:], long_side)
    enlarged = max(target_h / rgb.shape[-2], target_w / rgb.shape[-1])
    if enlarged > UPSCALE_WARNING:
        logger.warning("%s: %dx%d pixels, enlarged %.0fx to %dx%d: the flight will look soft",
                       label, width, height, enlarged, target_w, target_h)
    factor = detail_factor(*rgb.shape[-2:], target_h, target_w)
    if factor == 1:
        return FirstFrame(fit_to_size(rgb, target_h, target_w), stem)
    detail = fit_to_size(rgb, factor * target_h, factor * target_w)  # the working image is its box average,
    return FirstFrame(F.avg_pool2d(detail, factor), stem, detail=detail)  # so the two line up exactly


def example_frame(seed: int, long_side: int) -> FirstFrame:
    """The built-in example: a procedural world view with its exact disparity and sky."""
    from infinite_nature.world import World

    world = World(seed)
    side = max(SIZE_MULTIPLE, long_side // SIZE_MULTIPLE * SIZE_MULTIPLE)
    view = world.render(world.sample_camera(side, side))
    return FirstFrame(view.rgb, f"example_world{seed}", view.disparity, view.sky, world.params.fov_degrees, seed)
