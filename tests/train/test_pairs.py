"""The refiner's trajectory mode: path pairs found, geometry right (the move maps the start view
onto the true target), mirrored crops consistent, batches deterministic, training end to end."""

import pytest
import torch

from infinite_nature.cli import main
from infinite_nature.models import load_checkpoint
from infinite_nature.render import splat
from infinite_nature.train.configs import RefinerTrainConfig
from infinite_nature.train.data import prepare_collection
from infinite_nature.train.pairs import PairBatches, crop_pair, find_path_pairs, load_pair
from infinite_nature.train.runner import train


def _pairs(folder):
    return find_path_pairs(prepare_collection(folder, progress=False))


def _disparity_error(pair, transform=None) -> float:
    """Relative error of the start view's disparity splatted to the target camera against the true
    target's, over rendered ground pixels: the move in scene units is right when this is ~0."""
    batch = {k: v[None] for k, v in pair.items()}
    moved = splat(batch["rgb"], batch["disparity"], batch["intrinsics"],
                  batch["transform"] if transform is None else transform[None])
    ground = moved.valid & ~batch["target_sky"]
    return float(((moved.disparity - batch["target_disparity"]).abs() / batch["target_disparity"])[ground].mean())


def test_pairs_are_found_only_where_path_views_exist(tiny_paths, tiny_worlds):
    pairs = _pairs(tiny_paths)
    assert len(pairs) == 3 and all(len(p.targets) == 2 for p in pairs)
    assert [t.item.stem for t in pairs[0].targets] == ["world_0000300_step01", "world_0000300_step02"]
    assert _pairs(tiny_worlds) == []


@pytest.mark.parametrize("k", [1, 2])
def test_the_move_maps_the_start_view_onto_the_true_target(tiny_paths, k):
    pair = load_pair(_pairs(tiny_paths)[0], k)
    backwards = pair["transform"].clone()
    backwards[:3, 3] *= -1
    error = _disparity_error(pair)
    assert error < 0.01
    assert error * 5 < _disparity_error(pair, torch.eye(4)) < _disparity_error(pair, backwards)


def test_mirrored_crops_keep_the_geometry(tiny_paths):
    pair = load_pair(_pairs(tiny_paths)[0], 2)
    for mirror in (False, True):
        cropped = crop_pair(pair, 40, 4, 10, 44, mirror=mirror)
        assert cropped["rgb"].shape == (3, 40, 40)
        assert _disparity_error(cropped) < 0.01


def test_pair_batches_are_deterministic(tiny_paths):
    batches = PairBatches(_pairs(tiny_paths), resolution=32, batch_size=3, seed=5)
    first, again, other = batches.batch(7), batches.batch(7), batches.batch(8)
    assert first["target_rgb"].shape == (3, 3, 32, 32) and first["transform"].shape == (3, 4, 4)
    assert all(torch.equal(first[key], again[key]) for key in first)
    assert not torch.equal(first["rgb"], other["rgb"])


def test_trajectory_mode_trains_and_exports_a_refiner(tiny_paths, tmp_path):
    config = RefinerTrainConfig(worlds=str(tiny_paths), out=str(tmp_path), mode="trajectory", max_steps=2,
                                batch_size=2, resolution=32, progress=False, adversarial_start=1, validate_every=2,
                                sample_every=1, checkpoint_every=1000, workers=1)
    weights, record = train("refiner", config)
    assert load_checkpoint(weights, network="refiner") is not None
    assert (tmp_path / "samples" / "step_000001.png").is_file()
    assert '"mode": "trajectory"' in record.read_text()


def test_trajectory_mode_without_path_views_is_a_clear_error(tiny_worlds, tmp_path, capsys):
    code = main(["train", "refiner", "--worlds", str(tiny_worlds), "--mode", "trajectory", "--out", str(tmp_path),
                 "--max-steps", "1", "--no-progress"])
    assert code == 2
    assert "--path-steps" in capsys.readouterr().err
