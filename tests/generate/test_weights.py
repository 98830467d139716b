"""--weights: a shipped set, or a folder with any of the three networks (the rest shipped)."""

import shutil

import pytest
import torch

from infinite_nature.cli import main
from infinite_nature.errors import InfiniteNatureError
from infinite_nature.generate.weights import load_flight_networks
from infinite_nature.models import load_pretrained


def _only(tiny_weights, folder, *names):
    folder.mkdir()
    for name in names:
        for suffix in (".safetensors", ".json"):
            shutil.copy(tiny_weights / f"{name}{suffix}", folder / f"{name}{suffix}")
    return folder


def test_a_run_s_export_with_one_network_flies_with_the_shipped_others(tmp_path, tiny_weights, caplog):
    export = _only(tiny_weights, tmp_path / "export", "refiner")  # what 'train refiner' exports
    networks = load_flight_networks(str(export), torch.device("cpu"))
    assert "has no depth_sky or sky_generator checkpoint: the shipped default weights stand in" in caplog.text
    assert networks.refiner.config.channels == (8, 16, 16)  # the folder's own
    shipped = load_pretrained("default", "sky_generator")
    for ours, theirs in zip(networks.sky.parameters(), shipped.parameters()):
        torch.testing.assert_close(ours, theirs)
    assert networks.depth_weights is None  # the built-in depth network's shipped weights
    out = tmp_path / "flight.mp4"
    assert main(["generate", "--weights", str(export), "--quiet", "--size", "64", "--example", "--frames", "2",
                 "-o", str(out)]) == 0
    assert out.is_file()


def test_a_folder_with_every_network_uses_them_all_without_a_warning(tiny_weights, caplog):
    networks = load_flight_networks(str(tiny_weights), torch.device("cpu"))
    assert networks.depth_weights == str(tiny_weights / "depth_sky") and "shipped default" not in caplog.text


def test_a_folder_without_any_network_is_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text("no checkpoints here")
    with pytest.raises(InfiniteNatureError, match="none of depth_sky.safetensors, refiner.safetensors"):
        load_flight_networks(str(tmp_path), torch.device("cpu"))
