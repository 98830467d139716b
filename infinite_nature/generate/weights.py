"""The three networks a flight needs, from the shipped set or a folder (``--weights``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from infinite_nature.errors import InfiniteNatureError
from infinite_nature.models import RefinerNet, SkyGenerator, load_checkpoint, load_pretrained
from infinite_nature.models.checkpoint import checkpoint_paths

NETWORK_FILES = ("depth_sky", "refiner", "sky_generator")


@dataclass
class FlightNetworks:
    refiner: RefinerNet
    sky: SkyGenerator
    depth_weights: str | None  # where the depth+sky network comes from (a path, or None for shipped)


def load_flight_networks(weights: str, device: torch.device) -> FlightNetworks:
    """``weights``: a shipped set name (``default``) or a folder with ``refiner``, ``sky_generator``
    (and ``depth_sky``) checkpoints, e.g. a training run's ``export/`` folder."""
    folder = Path(weights)
    if folder.is_dir():
        missing = [n for n in ("refiner", "sky_generator") if not checkpoint_paths(folder / n)[0].is_file()]
        if missing:
            raise InfiniteNatureError(f"--weights {folder}: missing {', '.join(m + '.safetensors' for m in missing)}")
        refiner = load_checkpoint(folder / "refiner", network="refiner", device=device)
        sky = load_checkpoint(folder / "sky_generator", network="sky_generator", device=device)
        depth = folder / "depth_sky"
        return FlightNetworks(refiner, sky, str(depth) if checkpoint_paths(depth)[0].is_file() else None)  # type: ignore[arg-type]
    if "/" in weights or weights.endswith((".safetensors", ".json")):
        raise InfiniteNatureError(f"--weights {weights}: no such folder")
    refiner = load_pretrained(weights, "refiner", device)
    sky = load_pretrained(weights, "sky_generator", device)
    return FlightNetworks(refiner, sky, None)  # type: ignore[arg-type]
