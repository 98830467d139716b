"""Checkpoints: exact round trips, and the documented error for every kind of bad file."""

import json

import pytest
import torch

from infinite_nature.models import (
    CheckpointError,
    DepthSkyConfig,
    DepthSkyNet,
    RefinerConfig,
    RefinerNet,
    SkyGenerator,
    SkyGeneratorConfig,
    WeightsNotFound,
    available_pretrained,
    load_checkpoint,
    load_pretrained,
    save_checkpoint,
)
from infinite_nature.models.checkpoint import FORMAT_VERSION


def _small_refiner():
    return RefinerNet(RefinerConfig(channels=(8, 16))).eval()


def test_round_trip_gives_identical_outputs(tmp_path):
    model = _small_refiner()
    weights, config = save_checkpoint(model, tmp_path / "refiner", training={"data": "unit test"})
    assert weights.name == "refiner.safetensors" and config.name == "refiner.json"
    record = json.loads(config.read_text())
    assert record["format_version"] == FORMAT_VERSION and record["network"] == "refiner"
    assert record["config"]["channels"] == [8, 16] and record["training"] == {"data": "unit test"}
    loaded = load_checkpoint(tmp_path / "refiner.safetensors", network="refiner")
    assert loaded.config == model.config and not loaded.training
    rgb = torch.rand(1, 3, 24, 24)
    args = (rgb, torch.rand(1, 1, 24, 24), torch.ones(1, 1, 24, 24))
    torch.testing.assert_close(loaded(*args, loaded.encode_style(rgb)).rgb, model(*args, model.encode_style(rgb)).rgb, rtol=0, atol=0)


@pytest.mark.parametrize(
    "model", [lambda: DepthSkyNet(), lambda: SkyGenerator(SkyGeneratorConfig(channels=(8,)))], ids=["depth_sky", "sky"]
)
def test_every_network_round_trips(tmp_path, model):
    original = model().eval()
    save_checkpoint(original, tmp_path / "net")
    loaded = load_checkpoint(tmp_path / "net")
    for (name, a), (_, b) in zip(original.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), name


def test_disparity_output_survives_the_round_trip_and_old_configs_mean_softplus(tmp_path):
    save_checkpoint(DepthSkyNet(DepthSkyConfig(disparity_output="exp")), tmp_path / "exp")
    assert load_checkpoint(tmp_path / "exp").config.disparity_output == "exp"
    _, config = save_checkpoint(DepthSkyNet(), tmp_path / "old")
    record = json.loads(config.read_text())
    del record["config"]["disparity_output"]  # written before the field existed
    config.write_text(json.dumps(record))
    assert load_checkpoint(tmp_path / "old").config.disparity_output == "softplus"


def test_missing_files(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint weights"):
        load_checkpoint(tmp_path / "nothing")
    save_checkpoint(_small_refiner(), tmp_path / "r")
    (tmp_path / "r.json").unlink()
    with pytest.raises(CheckpointError, match="no checkpoint config"):
        load_checkpoint(tmp_path / "r")


def test_truncated_and_corrupt_weights(tmp_path):
    weights, _ = save_checkpoint(_small_refiner(), tmp_path / "r")
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(weights)
    weights.write_bytes(b"\x00" * 100)
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(weights)


def test_pickle_files_are_never_loaded(tmp_path):
    weights, _ = save_checkpoint(_small_refiner(), tmp_path / "r")
    torch.save(_small_refiner().state_dict(), weights)  # a pickle where safetensors belongs
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(weights)


def test_wrong_network_and_shape_mismatch_name_the_key(tmp_path):
    save_checkpoint(_small_refiner(), tmp_path / "r")
    with pytest.raises(CheckpointError, match="expected a depth_sky checkpoint, found a refiner"):
        load_checkpoint(tmp_path / "r", network="depth_sky")
    config = json.loads((tmp_path / "r.json").read_text())
    config["config"]["channels"] = [8, 24]
    (tmp_path / "r.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=r"refiner checkpoint .*key '.*' expected shape \[\d+(, \d+)*\], found"):
        load_checkpoint(tmp_path / "r")
    config["config"]["channels"] = [8, 16, 32]
    (tmp_path / "r.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="missing key"):
        load_checkpoint(tmp_path / "r")


def test_bad_config_files(tmp_path):
    save_checkpoint(_small_refiner(), tmp_path / "r")
    config_path = tmp_path / "r.json"
    record = json.loads(config_path.read_text())
    config_path.write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load_checkpoint(tmp_path / "r")
    config_path.write_text(json.dumps(record | {"format_version": FORMAT_VERSION + 1}))
    with pytest.raises(CheckpointError, match="newer"):
        load_checkpoint(tmp_path / "r")
    config_path.write_text(json.dumps(record | {"network": "teapot"}))
    with pytest.raises(CheckpointError, match="unknown network"):
        load_checkpoint(tmp_path / "r")
    config_path.write_text(json.dumps(record | {"config": {"colour": 3}}))
    with pytest.raises(CheckpointError, match="unknown config field"):
        load_checkpoint(tmp_path / "r")


def test_pretrained_registry_says_what_is_missing(monkeypatch, tmp_path):
    import infinite_nature.models.pretrained as pretrained

    monkeypatch.setattr(pretrained, "WEIGHTS_ROOT", tmp_path)
    assert available_pretrained() == {}
    with pytest.raises(WeightsNotFound, match="no shipped 'default' weights for the refiner network .*infinite-nature train"):
        load_pretrained("default", "refiner")
    save_checkpoint(_small_refiner(), tmp_path / "default" / "refiner")
    assert available_pretrained() == {"default": ["refiner"]}
    assert isinstance(load_pretrained("default", "refiner"), RefinerNet)
    with pytest.raises(ValueError, match="unknown network"):
        load_pretrained("default", "teapot")
