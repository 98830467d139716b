"""One checkpoint format for every network: ``NAME.safetensors`` + ``NAME.json``.

The JSON holds the format version, which network it is, its architecture config and a
free-form description of how it was trained. Weights are read with safetensors only:
nothing is ever unpickled. Every failure is a ``CheckpointError`` that names the file,
the network and, for a mismatch, the key with the expected and found shapes.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from infinite_nature import __version__
from infinite_nature.atomic import atomic_path, write_text_atomic
from infinite_nature.errors import InfiniteNatureError
from infinite_nature.models.depth_sky import DepthSkyNet
from infinite_nature.models.discriminator import MultiScaleDiscriminator
from infinite_nature.models.refiner import RefinerNet
from infinite_nature.models.sky_generator import SkyGenerator

FORMAT_VERSION = 1
NETWORKS: dict[str, type[nn.Module]] = {
    cls.network: cls for cls in (DepthSkyNet, RefinerNet, SkyGenerator, MultiScaleDiscriminator)  # type: ignore[attr-defined]
}


class CheckpointError(InfiniteNatureError):
    """A checkpoint that is missing, corrupt, from a newer version, or for another network."""


def checkpoint_paths(path: str | Path) -> tuple[Path, Path]:
    """(weights, config) paths for ``NAME``, ``NAME.safetensors`` or ``NAME.json``."""
    path = Path(path)
    stem = path.with_suffix("") if path.suffix in (".safetensors", ".json") else path
    return stem.with_name(stem.name + ".safetensors"), stem.with_name(stem.name + ".json")


def _config_to_dict(config: object) -> dict[str, object]:
    return dataclasses.asdict(config)  # type: ignore[call-overload]


def _config_from_dict(config_class: type, data: dict[str, object], where: str) -> object:
    hints = typing.get_type_hints(config_class)
    names = {f.name for f in dataclasses.fields(config_class)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise CheckpointError(f"{where}: unknown config field(s) {', '.join(unknown)}")
    values = {}
    for name, value in data.items():
        values[name] = tuple(value) if typing.get_origin(hints[name]) is tuple and isinstance(value, list) else value
    return config_class(**values)


def save_checkpoint(model: nn.Module, path: str | Path, training: dict[str, object] | None = None) -> tuple[Path, Path]:
    """Write the weights and the JSON config atomically; returns both paths."""
    weights_path, config_path = checkpoint_paths(path)
    state = {name: tensor.detach().contiguous().cpu() for name, tensor in model.state_dict().items()}
    with atomic_path(weights_path) as temporary:
        save_file(state, str(temporary))
    record = {
        "format_version": FORMAT_VERSION,
        "network": model.network,  # type: ignore[attr-defined]
        "config": _config_to_dict(model.config),  # type: ignore[attr-defined]
        "training": training or {},
        "created_by": f"infinite-nature {__version__}",
    }
    write_text_atomic(config_path, json.dumps(record, indent=2))
    return weights_path, config_path


def read_checkpoint_config(path: str | Path) -> dict[str, object]:
    """The JSON record of a checkpoint, validated (format version and network name)."""
    _, config_path = checkpoint_paths(path)
    if not config_path.is_file():
        raise CheckpointError(f"no checkpoint config at {config_path}")
    try:
        record = json.loads(config_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{config_path}: not valid JSON ({error})") from None
    if not isinstance(record, dict) or "format_version" not in record or "network" not in record:
        raise CheckpointError(f"{config_path}: not an infinite-nature checkpoint config")
    if not isinstance(record["format_version"], int) or record["format_version"] > FORMAT_VERSION:
        raise CheckpointError(
            f"{config_path}: format version {record['format_version']} is newer than this version reads "
            f"({FORMAT_VERSION}); upgrade infinite-nature"
        )
    if record["network"] not in NETWORKS:
        raise CheckpointError(f"{config_path}: unknown network {record['network']!r}")
    return record


def load_checkpoint(path: str | Path, network: str | None = None, device: str | torch.device = "cpu") -> nn.Module:
    """Build the network from the JSON config and load the safetensors weights (eval mode)."""
    weights_path, config_path = checkpoint_paths(path)
    if not weights_path.is_file():
        raise CheckpointError(f"no checkpoint weights at {weights_path}")
    record = read_checkpoint_config(path)
    found = record["network"]
    if network is not None and found != network:
        raise CheckpointError(f"{weights_path}: expected a {network} checkpoint, found a {found} checkpoint")
    model_class = NETWORKS[found]
    config = _config_from_dict(model_class.config_class, record.get("config", {}), str(config_path))  # type: ignore[attr-defined]
    model = model_class(config)
    try:
        state = load_file(str(weights_path), device="cpu")
    except (SafetensorError, OSError, ValueError) as error:
        raise CheckpointError(f"{weights_path}: corrupt or truncated safetensors file ({error})") from None
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing key(s) {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
        if unexpected:
            parts.append(f"unexpected key(s) {', '.join(unexpected[:5])}{' ...' if len(unexpected) > 5 else ''}")
        raise CheckpointError(f"{found} checkpoint {weights_path}: {'; '.join(parts)}")
    for key, tensor in expected.items():
        if tuple(state[key].shape) != tuple(tensor.shape):
            raise CheckpointError(
                f"{found} checkpoint {weights_path}: key {key!r} expected shape {list(tensor.shape)}, "
                f"found {list(state[key].shape)}"
            )
    model.load_state_dict(state)
    return model.to(device).eval()
