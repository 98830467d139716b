"""``infinite-nature train average``: a network averaged over a run's checkpoints (train/averaging.py)."""

import json

import pytest
import torch

from infinite_nature.cli import main
from infinite_nature.models import load_checkpoint
from infinite_nature.train.modules import MODULES, OPTIMIZERS_PER_STEP


def _tiny_run(out, worlds, recipe, steps=3):
    args = ["train", recipe, "--worlds", str(worlds), "--out", str(out), "--batch-size", "2", "--resolution", "32",
            "--max-steps", str(steps), "--checkpoint-every", "1", "--validate-every", "1000", "--sample-every", "0",
            "--no-progress"]
    assert main(args) == 0


def _network_state(checkpoint, recipe):
    prefix = MODULES[recipe].network_attribute + "."
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)["state_dict"]
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


@pytest.mark.parametrize("recipe, network", [("depth", "depth_sky"), ("sky", "sky_generator")])
def test_the_average_is_the_mean_of_the_chosen_checkpoints(tmp_path, tiny_worlds, recipe, network, capsys):
    run = tmp_path / "run"
    _tiny_run(run, tiny_worlds, recipe)
    capsys.readouterr()
    assert main(["train", "average", str(run), "--from-step", "2"]) == 0
    assert "train promote" in capsys.readouterr().out
    averaged = load_checkpoint(run / "export-averaged" / network, network=network)
    per_step = OPTIMIZERS_PER_STEP[recipe]  # files are named by optimizer steps, two per batch for the GANs
    second, third = (_network_state(run / "checkpoints" / f"step{s * per_step}.ckpt", recipe) for s in (2, 3))
    moved = 0
    for name, tensor in averaged.state_dict().items():
        if tensor.is_floating_point():
            torch.testing.assert_close(tensor, (second[name] + third[name]) / 2)
            moved += int(not torch.equal(second[name], third[name]))
        else:
            assert torch.equal(tensor, third[name])  # counts: the last checkpoint's
    assert moved > 0  # the two checkpoints differ, so the mean is not either of them
    record = json.loads((run / "export-averaged" / f"{network}.json").read_text())["training"]
    assert record["averaged"] == {"checkpoints": 2, "from_step": 2, "to_step": 3}
    assert record["steps"] == 3 and record["recipe"] == recipe  # the run's own record, kept
    assert "held_out_metrics" not in record  # those were its last step's


def test_bad_requests_are_one_line_errors_and_replace_nothing(tmp_path, tiny_worlds, capsys):
    run = tmp_path / "run"
    _tiny_run(run, tiny_worlds, "depth")
    capsys.readouterr()

    def refused(*args):
        assert main(["train", "average", *args]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1, err
        return err[0]

    assert "no checkpoints folder" in refused(str(tmp_path / "missing"), "--from-step", "1")
    assert "needs two or more" in refused(str(run), "--from-step", "3")
    assert "need 0 <= from <= to" in refused(str(run), "--from-step", "3", "--to-step", "2")
    assert main(["train", "average", str(run), "--from-step", "1", "--to-step", "2"]) == 0
    written = (run / "export-averaged" / "depth_sky.safetensors").read_bytes()
    capsys.readouterr()
    assert "--overwrite" in refused(str(run), "--from-step", "2")
    assert (run / "export-averaged" / "depth_sky.safetensors").read_bytes() == written
    (run / "checkpoints" / "step3.ckpt").write_bytes(b"not a checkpoint")
    message = refused(str(run), "--from-step", "2", "--out", str(tmp_path / "other"))
    assert "step3.ckpt" in message and "not a readable training checkpoint" in message
    assert not (tmp_path / "other").exists()
