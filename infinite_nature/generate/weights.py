"""The three networks a flight needs, from the shipped set or a folder (``--weights``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch

from infinite_nature.errors import InfiniteNatureError
from infinite_nature.models import RefinerNet, SkyGenerator, load_checkpoint, load_pretrained
from infinite_nature.models.checkpoint import checkpoint_paths

logger = logging.getLogger(__name__)

NETWORK_FILES = ("depth_sky", "refiner", "sky_generator")
DEFAULT_SET = "default"  # the shipped weights, for what a --weights folder lacks


@dataclass
class FlightNetworks:
    refiner: RefinerNet
    sky: SkyGenerator
    depth_weights: str | None  # where the depth+sky network comes from (a path, or None for shipped)


def load_flight_networks(weights: str, device: torch.device) -> FlightNetworks:
    """``weights``: a shipped set name (``default``) or a folder with any of the ``depth_sky``,
    ``refiner`` and ``sky_generator`` checkpoints, e.g. a training run's ``export/`` folder, which
    holds the one network that run trained; the others come from the shipped default set, and a
    warning says which."""
    folder = Path(weights)
    if folder.is_dir():
        present = [n for n in NETWORK_FILES if checkpoint_paths(folder / n)[0].is_file()]
        if not present:
            names = ", ".join(n + ".safetensors" for n in NETWORK_FILES)
            raise InfiniteNatureError(f"--weights {folder}: none of {names} in it")
        missing = [n for n in NETWORK_FILES if n not in present]
        if missing:
            logger.warning("--weights %s has no %s checkpoint: the shipped default weights stand in", folder,
                           " or ".join(missing))

        def network(name: str):
            if name in present:
                return load_checkpoint(folder / name, network=name, device=device)
            return load_pretrained(DEFAULT_SET, name, device)

        depth = str(folder / "depth_sky") if "depth_sky" in present else None
        return FlightNetworks(network("refiner"), network("sky_generator"), depth)  # type: ignore[arg-type]
    if "/" in weights or weights.endswith((".safetensors", ".json")):
        raise InfiniteNatureError(f"--weights {weights}: no such folder")
    refiner = load_pretrained(weights, "refiner", device)
    sky = load_pretrained(weights, "sky_generator", device)
    return FlightNetworks(refiner, sky, None)  # type: ignore[arg-type]
