"""The VGG16 perceptual loss from local weights: loading, the loss itself, the refiner recipe with it."""

import csv

import pytest
import torch

from infinite_nature.cli import main
from infinite_nature.errors import UsageError
from infinite_nature.train.perceptual import LAYERS, PerceptualLoss


@pytest.fixture(scope="module")
def vgg_weights(tmp_path_factory):
    """A torchvision-style VGG16 state dict ('features.N.*' plus a classifier), random weights:
    the shapes are what is checked; nothing is downloaded."""
    from torchvision.models.vgg import cfgs, make_layers

    torch.manual_seed(0)
    features = make_layers(cfgs["D"])[: LAYERS[-1] + 1]
    state = {f"features.{key}": value for key, value in features.state_dict().items()}
    state["classifier.0.weight"] = torch.zeros(4, 4)  # the rest of a whole network's state dict is ignored
    path = tmp_path_factory.mktemp("vgg") / "vgg16.pth"
    torch.save(state, path)
    return path


def test_the_loss_is_zero_for_the_same_image_and_trains_the_prediction_only(vgg_weights):
    loss = PerceptualLoss(vgg_weights)
    target = torch.rand(2, 3, 32, 32)
    assert float(loss(target.clone(), target)) == 0.0
    prediction = (target + 0.2 * torch.randn_like(target)).clamp(0, 1).requires_grad_(True)
    value = loss(prediction, target)
    value.backward()
    assert float(value.detach()) > 0 and prediction.grad.abs().sum() > 0
    assert not any(p.requires_grad for p in loss.parameters())
    assert not loss.train().training  # a loss stays in eval mode


def test_bad_weight_files_are_usage_errors(tmp_path):
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a state dict")
    other = tmp_path / "other.pth"
    torch.save({"features.0.weight": torch.zeros(3, 3)}, other)
    for path, message in [(tmp_path / "missing.pth", "no such file"), (garbage, "not a readable torch state dict"),
                          (other, "not torchvision VGG16 weights")]:
        with pytest.raises(UsageError, match=message):
            PerceptualLoss(path)


def test_the_refiner_recipe_trains_with_it_and_keeps_it_out_of_its_checkpoints(vgg_weights, tiny_worlds, tmp_path):
    out = tmp_path / "run"
    args = ["train", "refiner", "--worlds", str(tiny_worlds), "--out", str(out), "--max-steps", "2",
            "--batch-size", "2", "--resolution", "32", "--no-progress", "--log-every", "1",
            "--validate-every", "1000", "--perceptual-weights", str(vgg_weights), "--perceptual-weight", "0.5"]
    assert main(args) == 0
    rows = list(csv.DictReader((out / "logs" / "version_0" / "metrics.csv").open()))
    assert any(float(row["train/perceptual"]) > 0 for row in rows if row.get("train/perceptual"))
    state = torch.load(out / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)["state_dict"]
    assert not any("perceptual" in key or key.startswith("features.") for key in state)
    assert main(["train", "refiner", "--worlds", str(tiny_worlds), "--out", str(tmp_path / "bad"), "--no-progress",
                 "--perceptual-weights", str(tmp_path / "none.pth")]) == 2
    assert not (tmp_path / "bad").exists()
