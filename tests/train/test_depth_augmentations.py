"""The depth recipe's augmentations of training views (``--colour-jitter``, ``--clouds``): they
change only the input image, batches stay a pure function of their step, a run trains and
exports with each, and values outside [0, 1] are refused before any work starts. And its
crops (``--crop-min``): 1 shows the network whole views."""

import pytest
import torch

from infinite_nature.cli import main
from infinite_nature.train.data import StepBatches, load_sample, prepare_collection

FLAGS = {"--colour-jitter": "colour_jitter", "--clouds": "clouds"}  # flag -> StepBatches argument


@pytest.mark.parametrize("argument", FLAGS.values())
def test_batches_change_only_the_input_and_stay_reproducible(argument, tiny_worlds):
    samples = prepare_collection(tiny_worlds, progress=False)
    plain = StepBatches(samples, resolution=32, batch_size=6, seed=3).batch(7)
    augmented_batches = StepBatches(samples, resolution=32, batch_size=6, seed=3, **{argument: 1.0})
    augmented = augmented_batches.batch(7)
    assert torch.equal(augmented["rgb"], augmented_batches.batch(7)["rgb"])
    for key in ("disparity", "sky", "world_seed", "intrinsics"):
        assert torch.equal(augmented[key], plain[key]), key
    assert not torch.allclose(augmented["rgb"], plain["rgb"], atol=0.05)


@pytest.mark.parametrize("flag", FLAGS)
def test_depth_recipe_trains_with_the_augmentation(flag, tiny_worlds, tmp_path, capsys):
    code = main(["train", "depth", "--worlds", str(tiny_worlds), "--out", str(tmp_path), "--fast-dev-run",
                 "--batch-size", "2", "--resolution", "32", flag, "0.5", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "export" / "depth_sky.safetensors").is_file()


@pytest.mark.parametrize("value", ["-0.1", "1.5"])
@pytest.mark.parametrize("flag", FLAGS)
def test_a_value_outside_zero_to_one_is_refused(flag, value, tiny_worlds, tmp_path, capsys):
    code = main(["train", "depth", "--worlds", str(tiny_worlds), "--out", str(tmp_path), "--fast-dev-run",
                 flag, value, "--no-progress"])
    assert code != 0
    assert f"{flag} must be within [0, 1]" in capsys.readouterr().err
    assert not (tmp_path / "export").exists()


def test_whole_view_crops_show_each_view_whole(tiny_worlds):
    """``--crop-min 1``: the network trains on what generate and eval show it, whole views."""
    samples = prepare_collection(tiny_worlds, progress=False)
    views = {int(sample["world_seed"]): sample["rgb"] for sample in map(load_sample, samples)}
    whole = StepBatches(samples, resolution=48, batch_size=6, seed=3, flip=False, crop_min=1.0).batch(7)
    for rgb, seed in zip(whole["rgb"], whole["world_seed"]):
        assert torch.allclose(rgb, views[int(seed)], atol=1e-5)
    cropped = StepBatches(samples, resolution=48, batch_size=6, seed=3, flip=False).batch(7)  # 70-100% by default
    assert any(not torch.allclose(rgb, views[int(seed)], atol=1e-5) for rgb, seed in zip(cropped["rgb"], cropped["world_seed"]))


def test_crop_min_trains_and_bad_values_are_refused(tiny_worlds, tmp_path, capsys):
    common = ["train", "depth", "--worlds", str(tiny_worlds), "--fast-dev-run", "--batch-size", "2", "--resolution", "32",
              "--no-progress"]
    assert main([*common, "--out", str(tmp_path / "whole"), "--crop-min", "1"]) == 0, capsys.readouterr().err
    assert (tmp_path / "whole" / "export" / "depth_sky.safetensors").is_file()
    for value in ("0", "1.5"):
        assert main([*common, "--out", str(tmp_path / value), "--crop-min", value]) != 0
        assert "--crop-min must be within [0.1, 1]" in capsys.readouterr().err
        assert not (tmp_path / value / "export").exists()
