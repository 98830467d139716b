"""Training recipes end to end on tiny data: setup checks, overfitting, exact resume, bad data."""

import csv
import json
import dataclasses
import shutil
import subprocess
import sys

import pytest
import torch
from PIL import Image

from infinite_nature.cli import main
from infinite_nature.models import load_checkpoint
from infinite_nature.train.configs import DepthTrainConfig, RefinerTrainConfig, SkyTrainConfig
from infinite_nature.train.runner import train
from tests.processes import terminate_command, terminate_when

TINY = dict(batch_size=2, resolution=32, progress=False, log_every=1, sample_every=1000, checkpoint_every=1000,
            validate_every=1000)


@pytest.mark.parametrize(
    "recipe, config_class, network",
    [("depth", DepthTrainConfig, "depth_sky"), ("refiner", RefinerTrainConfig, "refiner"), ("sky", SkyTrainConfig, "sky_generator")],
)
def test_fast_dev_run_exports_a_loadable_network(tiny_worlds, tmp_path, recipe, config_class, network):
    config = config_class(worlds=str(tiny_worlds), out=str(tmp_path), fast_dev_run=True, **TINY)
    weights, record = train(recipe, config)
    assert weights.exists() and record.exists()
    model = load_checkpoint(weights, network=network)
    assert not model.training
    if network in ("depth_sky", "refiner"):  # the networks a flight runs at their training size record it
        assert model.config.input_size == TINY["resolution"]
    if network == "depth_sky":  # its sky on the repository's photos with hand-made masks, as train promote judges it
        assert 0 <= json.loads(record.read_text())["training"]["held_out_metrics"]["val/photo_sky_iou"] <= 1


def _losses(folder, key):
    rows = list(csv.DictReader(open(next(folder.glob("logs/version_*/metrics.csv")))))
    return [float(r[key]) for r in rows if r.get(key)]


@pytest.mark.parametrize("disparity_output", ["softplus", "exp"])
def test_depth_overfits_a_single_view(tmp_path, tiny_worlds, disparity_output):
    one = tmp_path / "one"
    one.mkdir()
    for path in tiny_worlds.glob("world_0000200*"):
        (one / path.name).write_bytes(path.read_bytes())
    config = DepthTrainConfig(worlds=str(one), out=str(tmp_path / "run"), max_steps=120, learning_rate=3e-3,
                              disparity_output=disparity_output, **TINY)
    weights, _ = train("depth", config)
    losses = _losses(tmp_path / "run", "train/loss")
    first, last = sum(losses[:10]) / 10, sum(losses[-10:]) / 10
    assert last < first / 2, (first, last)  # stated factor: the loss at least halves
    exported = load_checkpoint(weights, network="depth_sky").config
    assert exported.disparity_output == disparity_output
    assert exported.input_size == TINY["resolution"]  # it reads larger images at the size it trained at


def test_init_weights_with_another_disparity_head_load_with_a_warning(tmp_path, tiny_worlds, caplog):
    first, _ = train("depth", DepthTrainConfig(worlds=str(tiny_worlds), out=str(tmp_path / "a"), fast_dev_run=True, **TINY))
    caplog.clear()
    config = DepthTrainConfig(worlds=str(tiny_worlds), out=str(tmp_path / "b"), fast_dev_run=True,
                              init_weights=str(first), disparity_output="exp", **TINY)
    weights, _ = train("depth", config)
    assert "trained as disparity_output=softplus, this run trains it as exp" in caplog.text
    assert load_checkpoint(weights, network="depth_sky").config.disparity_output == "exp"


def test_the_sky_recipe_completes_the_carried_sky_and_warns_when_continuing_a_generator_without_it(tmp_path, tiny_worlds,
                                                                                                   caplog):
    first, _ = train("sky", SkyTrainConfig(worlds=str(tiny_worlds), out=str(tmp_path / "a"), fast_dev_run=True,
                                           carried_base=False, **TINY))
    assert load_checkpoint(first).config.carried_base is False
    caplog.clear()
    weights, _ = train("sky", SkyTrainConfig(worlds=str(tiny_worlds), out=str(tmp_path / "b"), fast_dev_run=True,
                                             init_weights=str(first), **TINY))
    assert "trained with carried_base=False, this run trains it with True" in caplog.text
    assert "--no-carried-base" in caplog.text
    assert load_checkpoint(weights).config.carried_base is True  # the recipe's default


def test_init_weights_may_name_a_folder_of_checkpoints(tmp_path, tiny_worlds):
    first, _ = train("depth", DepthTrainConfig(worlds=str(tiny_worlds), out=str(tmp_path / "a"), fast_dev_run=True, **TINY))
    config = DepthTrainConfig(worlds=str(tiny_worlds), out=str(tmp_path / "b"), max_steps=1, learning_rate=0.0,
                              init_weights=str(first.parent), **TINY)
    weights, _ = train("depth", config)
    continued = dict(load_checkpoint(weights).named_parameters())
    for name, tensor in load_checkpoint(first).named_parameters():  # a zero learning rate keeps what was loaded
        torch.testing.assert_close(continued[name], tensor, msg=name)


def test_resume_continues_the_step_count_and_reproduces_the_losses(tiny_worlds, tmp_path):
    base = RefinerTrainConfig(worlds=str(tiny_worlds), adversarial_start=1, **(TINY | {"checkpoint_every": 2}))
    train("refiner", dataclasses.replace(base, out=str(tmp_path / "straight"), max_steps=4))
    train("refiner", dataclasses.replace(base, out=str(tmp_path / "first"), max_steps=2))
    resumed = dataclasses.replace(
        base, out=str(tmp_path / "second"), max_steps=4, resume=str(tmp_path / "first" / "checkpoints" / "last.ckpt")
    )
    _, record = train("refiner", resumed)
    assert '"steps": 4' in record.read_text()
    straight = _losses(tmp_path / "straight", "train/g_loss")
    after = _losses(tmp_path / "second", "train/g_loss")
    assert len(straight) == 4 and len(after) == 2
    torch.testing.assert_close(torch.tensor(after), torch.tensor(straight[2:]), rtol=1e-5, atol=1e-6)


def test_a_bad_resume_file_is_refused_before_any_work(tiny_worlds, tmp_path, capsys):
    trained = tmp_path / "depth"
    train("depth", DepthTrainConfig(worlds=str(tiny_worlds), out=str(trained), max_steps=1, **TINY))
    garbage = tmp_path / "garbage.ckpt"
    garbage.write_bytes(b"not a checkpoint")
    plain = tmp_path / "plain.ckpt"
    torch.save({"weights": torch.zeros(2)}, plain)
    for recipe, resume, message in [
        ("depth", garbage, "not a readable training checkpoint"),
        ("depth", plain, "not a training checkpoint"),
        ("sky", trained / "checkpoints" / "last.ckpt", "a checkpoint of another recipe"),
    ]:
        out = tmp_path / "resumed"
        assert main(["train", recipe, "--worlds", str(tiny_worlds), "--resume", str(resume), "--out", str(out),
                     "--no-progress"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], err
        assert not out.exists()


NO_GPU = not torch.cuda.is_available()


@pytest.mark.parametrize(("recipe", "flags", "message"), [
    ("depth", ["--devices", "two"], "--devices must be a number, 'auto' or a list"),
    ("depth", ["--strategy", "fastest"], "Lightning cannot train with"),
    ("depth", ["--precision", "8-bit"], "Precision '8-bit' is invalid"),
    pytest.param("sky", ["--accelerator", "gpu"], "No supported gpu backend found",
                 marks=pytest.mark.skipif(not NO_GPU, reason="this machine has a GPU")),
    ("depth", ["--encoder", "no_such_net"], "--encoder no_such_net: timm has no such model"),
    ("depth", ["--learning-rate", "-0.001"], "--learning-rate must be >= 0, got -0.001"),
    ("depth", ["--seed", "-1"], "--seed must be within [0, 4294967295], got -1"),
    ("depth", ["--decoder-channels", "0"], "--decoder-channels must be >= 1, got 0"),
    ("depth", ["--sky-photos", "no_such_folder"], "--sky-photos no_such_folder: no such folder"),
    ("refiner", ["--ema-decay", "1"], "--ema-decay must be within [0, 1), got 1.0"),
    ("refiner", ["--motion-scale", "-0.5"], "--motion-scale must be > 0, got -0.5"),
    ("sky", ["--num-nodes", "0"], "--num-nodes must be >= 1, got 0"),
])
def test_bad_trainer_and_recipe_flags_are_refused_in_one_line(recipe, flags, message, tiny_worlds, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["train", recipe, "--worlds", str(tiny_worlds), "--out", str(out), "--max-steps", "1", "--batch-size", "2",
            "--resolution", "32", "--no-progress", *flags]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not out.exists()


def test_recipe_file_values_are_held_to_the_same_bounds_as_flags(tiny_worlds, tmp_path, capsys):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("ema_decay: 1.5\n")
    assert main(["train", "sky", "--config", str(recipe), "--worlds", str(tiny_worlds), "--out",
                 str(tmp_path / "out")]) == 2
    assert "--ema-decay must be within [0, 1), got 1.5" in capsys.readouterr().err


def test_two_processes_train_one_run_with_lightning_ddp(tiny_worlds, tmp_path):
    """The multi-device path users take on GPUs (docs/training.md), here on two CPU processes:
    Lightning starts the second process, both train, and the first alone exports."""
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "infinite_nature", "train", "depth", "--worlds", str(tiny_worlds),
                           "--out", str(out), "--max-steps", "2", "--batch-size", "2", "--resolution", "32",
                           "--no-progress", "--accelerator", "cpu", "--devices", "2", "--strategy", "ddp"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("exported") == 1 and "INFO" not in done.stderr, done.stderr
    record = json.loads((out / "export" / "depth_sky.json").read_text())["training"]
    assert record["steps"] == 2 and "2 device(s) x 1 node(s)" in record["hardware"]
    assert load_checkpoint(out / "export" / "depth_sky.safetensors") is not None
    assert (out / "checkpoints" / "last.ckpt").is_file()


def test_bad_data_folders_give_clear_errors(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "notes.txt").write_text("no photos here")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "a.jpg").write_bytes(b"")
    (corrupt / "b.png").write_bytes(b"garbage")
    for folder, message in [
        (tmp_path / "missing", "no such folder"),
        (empty, "no photos"),
        (tmp_path / "text", "no photos"),
        (corrupt, "all 2 files"),
    ]:
        assert main(["train", "depth", "--data", str(folder), "--out", str(tmp_path / "o"), "--no-progress"]) == 1
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, err
        assert not (tmp_path / "o").exists()  # no log or checkpoint folders left from a run that never started


def test_an_unwritable_out_fails_before_reading_the_data(tmp_path, tiny_worlds, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert main(["train", "depth", "--worlds", str(tiny_worlds), "--out", str(blocker / "run"), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert f"--out {blocker / 'run'}: {blocker} is a file, not a folder" in err and "Traceback" not in err
    assert not (tiny_worlds / ".infinite-nature-cache").exists()


def test_unreadable_photos_are_skipped_not_fatal(tmp_path, tiny_worlds, caplog):
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for path in tiny_worlds.glob("world_000020[01]*"):
        (mixed / path.name).write_bytes(path.read_bytes())
    (mixed / "broken.jpg").write_bytes(b"\xff\xd8 truncated")
    from infinite_nature.train.data import prepare_collection

    samples = prepare_collection(mixed, progress=False)
    assert len(samples) == 2
    assert "unreadable" in caplog.text


def test_photo_folders_get_cached_depth_from_a_backend(tmp_path, tiny_worlds):
    photos = tmp_path / "photos"
    photos.mkdir()
    for index, path in enumerate(sorted(tiny_worlds.glob("*.jpg"))[:2]):
        Image.open(path).save(photos / f"photo{index}.png")
    import numpy as np

    np.save(tmp_path / "map.npy", np.linspace(0.1, 1.0, 48 * 48).reshape(48, 48))
    from infinite_nature.train.data import CACHE_FOLDER, load_sample, prepare_collection

    spec = f"file:{tmp_path / 'map.npy'}"
    samples = prepare_collection(photos, depth=spec, progress=False)
    cached = list((photos / CACHE_FOLDER).rglob("*.npz"))
    assert len(samples) == 2 and len(cached) == 2
    before = [p.stat().st_mtime_ns for p in cached]
    prepare_collection(photos, depth=spec, progress=False)  # second run reuses the cache
    assert [p.stat().st_mtime_ns for p in cached] == before
    prepare_collection(photos, depth=spec, weights=str(tmp_path / "other"), progress=False)
    assert len(list((photos / CACHE_FOLDER).rglob("*.npz"))) == 4  # other weights: labels of their own
    sample = load_sample(samples[0])
    assert sample["disparity"].shape == (1, 48, 48) and sample["rgb"].shape == (3, 48, 48)


def _photos_with_sky(tiny_worlds, folder):
    """World views without their camera records: photos (no world, no dome), exact sky masks."""
    folder.mkdir()
    for path in sorted(tiny_worlds.iterdir()):
        if not path.name.endswith(".camera.json") and path.is_file():
            shutil.copy(path, folder / path.name)
    return folder


def test_the_sky_recipe_trains_on_photos_against_their_own_hidden_sky(tmp_path, tiny_worlds):
    photos = _photos_with_sky(tiny_worlds, tmp_path / "photos")
    out = tmp_path / "out"
    config = SkyTrainConfig(data=str(photos), out=str(out), max_steps=2, **(TINY | {"validate_every": 1}))
    weights, record = train("sky", config)
    metrics = json.loads(record.read_text())["training"]["held_out_metrics"]
    assert "val/hidden_sky_l1" in metrics and "val/dome_l1" not in metrics  # no world, no dome to compare
    assert load_checkpoint(weights) is not None


def test_a_photo_is_held_to_its_own_sky_and_a_world_view_to_its_dome(tmp_path, tiny_worlds):
    from infinite_nature.train.datamodule import CollectionDataModule
    from infinite_nature.train.modules import SkyModule

    for folder, world in [(_photos_with_sky(tiny_worlds, tmp_path / "photos"), False), (tiny_worlds, True)]:
        config = SkyTrainConfig(data=None if world else str(folder), worlds=str(folder) if world else None,
                                **(TINY | {"batch_size": 4}))
        data = CollectionDataModule(config, flip=False)
        data.setup("fit")
        module = SkyModule(config)
        batch = data.batches.batch(0)
        partial, known = module.inputs(batch)
        target, given, weight, judged = module.targets(batch, partial, known, torch.Generator().manual_seed(0))
        if world:
            assert torch.equal(given, known) and torch.equal(judged, torch.ones_like(known))
            torch.testing.assert_close(target, module.domes(batch["world_seed"]))
            torch.testing.assert_close(weight, 1 + 2 * known)
        else:
            hidden = known - given
            assert known.sum() > 0 and hidden.sum() > 0 and given.sum() > 0
            assert torch.equal(target, partial) and torch.equal(judged, known)
            assert torch.equal(weight, known + 2 * hidden)  # nothing counts beyond the photo's sky


def test_depth_on_photos_labelled_by_the_builtin_network_warns_that_it_only_copies_it(tmp_path, tiny_worlds, caplog):
    photos = tmp_path / "photos"
    photos.mkdir()
    for path in sorted(tiny_worlds.glob("*.jpg"))[:3]:
        shutil.copy(path, photos / path.name)  # no sidecars: labels from --depth
    config = DepthTrainConfig(data=str(photos), out=str(tmp_path / "a"), fast_dev_run=True, **TINY)
    train("depth", config)
    assert "3 photos take their labels from --depth builtin" in caplog.text
    caplog.clear()
    with_sidecars = _photos_with_sky(tiny_worlds, tmp_path / "exact")  # exact depth: nothing to warn about
    train("depth", dataclasses.replace(config, data=str(with_sidecars), out=str(tmp_path / "b")))
    assert "take their labels" not in caplog.text
    train("refiner", RefinerTrainConfig(data=str(photos), out=str(tmp_path / "c"), fast_dev_run=True, **TINY))
    assert "take their labels" not in caplog.text  # the refiner learns no depth


def test_cli_flags_override_the_yaml_recipe(tmp_path, tiny_worlds, capsys):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("max_steps: 500\nresolution: 32\nbatch_size: 2\nsample_every: 1000\n")
    out = tmp_path / "out"
    args = ["train", "sky", "--config", str(recipe), "--worlds", str(tiny_worlds), "--out", str(out), "--max-steps", "1",
            "--no-progress", "--validate-every", "1000", "--checkpoint-every", "1000"]
    assert main(args) == 0
    assert "exported" in capsys.readouterr().out
    assert '"steps": 1' in (out / "export" / "sky_generator.json").read_text()
    recipe.write_text("mode: bogus\n")
    assert main(["train", "refiner", "--config", str(recipe), "--worlds", str(tiny_worlds)]) == 2
    assert "mode must be one of cycle, trajectory, got 'bogus'" in capsys.readouterr().err
    recipe.write_text("max_stepz: 5\n")
    assert main(["train", "sky", "--config", str(recipe), "--worlds", str(tiny_worlds)]) == 2
    assert "unknown field(s) max_stepz" in capsys.readouterr().err
    for text, message in [
        ("max_steps: many\n", "max_steps must be a whole number, got 'many'"),
        ("learning_rate: fast\n", "learning_rate must be a number, got 'fast'"),
        ("progress: 3\n", "progress must be true or false, got 3"),
        ("max_steps: [1\n", "not valid YAML at line 2, column 1"),
    ]:
        recipe.write_text(text)
        assert main(["train", "sky", "--config", str(recipe), "--worlds", str(tiny_worlds)]) == 2, text
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], err
    assert main(["train", "sky", "--worlds", str(tiny_worlds), "--data", str(tiny_worlds)]) == 2


def test_zero_intervals_mean_never_and_negative_ones_are_refused(tmp_path, tiny_worlds, capsys):
    out = tmp_path / "out"
    args = ["train", "depth", "--worlds", str(tiny_worlds), "--out", str(out), "--max-steps", "3", "--batch-size", "2",
            "--resolution", "32", "--no-progress", "--validate-every", "0", "--sample-every", "0", "--checkpoint-every", "0"]
    assert main(args) == 0
    record = json.loads((out / "export" / "depth_sky.json").read_text())["training"]
    assert record["steps"] == 3 and record["held_out_metrics"] == {}  # no validation ran, nor the photos' sky
    assert not (out / "samples").exists() and (out / "checkpoints" / "last.ckpt").is_file()
    capsys.readouterr()
    assert main(args[:-1] + ["-1"]) == 2
    err = capsys.readouterr().err
    assert "must be >= 0" in err and "Traceback" not in err


def test_a_finished_run_prints_no_library_warnings(tmp_path, tiny_worlds):
    """What a user sees on the terminal: the export line, no warnings about Lightning's internals."""
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "infinite_nature", "train", "depth", "--worlds", str(tiny_worlds),
                           "--out", str(out), "--max-steps", "2", "--batch-size", "2", "--resolution", "32",
                           "--no-progress"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "exported" in done.stdout and (out / "export" / "depth_sky.safetensors").is_file()
    assert "Warning" not in done.stderr and "deprecated" not in done.stderr, done.stderr


def test_the_progress_bar_counts_batches_to_the_end_and_on_from_a_resume(tmp_path, tiny_worlds):
    """A GAN recipe takes two optimiser steps a batch: its bar once ended at 50% ('4/8'), with twice
    the time to go, and a resumed run's bar had no total ('6/?')."""
    def last_bar_line(*flags: str) -> str:
        done = subprocess.run([sys.executable, "-m", "infinite_nature", "train", "sky", "--worlds", str(tiny_worlds),
                               "--batch-size", "2", "--resolution", "32", "--validate-every", "1000", *flags],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return [line for line in done.stdout.replace("\r", "\n").splitlines() if line.startswith("Epoch")][-1]

    first = last_bar_line("--out", str(tmp_path / "run"), "--max-steps", "4")
    assert "100%" in first and " 4/4 " in first, first
    resumed = last_bar_line("--out", str(tmp_path / "more"), "--max-steps", "6",
                            "--resume", str(tmp_path / "run" / "checkpoints" / "last.ckpt"))
    assert "100%" in resumed and " 6/6 " in resumed, resumed


def test_a_new_run_in_another_s_folder_is_refused_unless_it_replaces_or_continues_it(tmp_path, tiny_worlds, capsys):
    out = tmp_path / "run"
    args = ["train", "depth", "--worlds", str(tiny_worlds), "--out", str(out), "--batch-size", "2", "--resolution",
            "32", "--no-progress", "--checkpoint-every", "1", "--validate-every", "1000"]
    assert main(args + ["--max-steps", "2"]) == 0
    exported = (out / "export" / "depth_sky.safetensors").read_bytes()
    capsys.readouterr()
    assert main(args + ["--max-steps", "1", "--seed", "5"]) == 2  # would have overwritten the export
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds a run already" in err[0] and "--overwrite" in err[0], err
    assert (out / "export" / "depth_sky.safetensors").read_bytes() == exported
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["last.ckpt", "step1.ckpt", "step2.ckpt"]
    assert main(args + ["--max-steps", "3", "--resume", str(out / "checkpoints" / "last.ckpt")]) == 0  # continues it
    assert json.loads((out / "export" / "depth_sky.json").read_text())["training"]["steps"] == 3
    bad_data = ["train", "depth", "--worlds", str(tmp_path / "missing"), "--out", str(out), "--overwrite",
                "--no-progress"]
    assert main(bad_data) == 1 and (out / "export" / "depth_sky.safetensors").is_file()  # checks come before removal
    assert main(args + ["--max-steps", "1", "--overwrite"]) == 0  # replaces it: nothing of the old run is left
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["last.ckpt", "step1.ckpt"]
    assert [p.name for p in (out / "logs").iterdir()] == ["version_0"]
    assert json.loads((out / "export" / "depth_sky.json").read_text())["training"]["steps"] == 1


def test_max_minutes_stops_early_and_still_exports(tmp_path, tiny_worlds):
    config = DepthTrainConfig(worlds=str(tiny_worlds), out=str(tmp_path), max_steps=100_000, max_minutes=0.02,
                              relative_weight=0.1, **TINY)
    weights, record = train("depth", config)
    steps = json.loads(record.read_text())["training"]["steps"]
    assert weights.exists() and 1 <= steps < 100_000


def test_a_terminated_run_says_where_to_resume_from(tmp_path, tiny_worlds):
    """SIGTERM (a scheduler's time limit) or Ctrl+C mid-fit: Lightning's silent exit(1) becomes
    the CLI's 'terminated' (143), with the checkpoint to resume from."""
    out = tmp_path / "run"
    last = out / "checkpoints" / "last.ckpt"
    code, err = terminate_when(["train", "depth", "--worlds", str(tiny_worlds), "--out", str(out), "--max-steps", "100000",
                                "--batch-size", "2", "--resolution", "32", "--checkpoint-every", "1", "--no-progress"],
                               last.is_file)  # training is under way
    lines = err.strip().splitlines()
    assert code == 143 and lines[-1] == "infinite-nature: terminated", err
    assert f"to go on with --resume: {last}" in lines[-2]
    assert not (out / "export").exists()  # nothing exported from a cut run


def test_a_sigterm_seen_only_by_lightning_is_no_success(tmp_path, tiny_worlds):
    """A program calling ``train`` without the CLI's handler: Lightning's loop turns SIGTERM into
    an exit with code 0, as if training had finished; ``train`` raises ``Terminated`` instead."""
    out = tmp_path / "run"
    last = out / "checkpoints" / "last.ckpt"
    script = (
        "import sys\n"
        "from infinite_nature.errors import Terminated\n"
        "from infinite_nature.train.configs import DepthTrainConfig\n"
        "from infinite_nature.train.runner import train\n"
        f"config = DepthTrainConfig(worlds={str(tiny_worlds)!r}, out={str(out)!r}, max_steps=100000, batch_size=2,\n"
        "                          resolution=32, checkpoint_every=1, progress=False)\n"
        "try:\n"
        "    train('depth', config)\n"
        "except Terminated:\n"
        "    sys.exit(43)\n"
    )
    code, err = terminate_command([sys.executable, "-c", script], last.is_file)
    assert code == 43, err
    assert f"to go on with --resume: {last}" in err
    assert not (out / "export").exists()


def test_the_photos_sky_is_measured_on_the_folder_given_or_not_at_all(tmp_path, tiny_worlds):
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.new("RGB", (64, 48), (90, 140, 220)).save(photos / "all_sky.jpg")
    Image.new("L", (64, 48), 255).save(photos / "all_sky.sky.png")
    for folder, measured in ((str(photos), True), ("none", False)):
        config = DepthTrainConfig(worlds=str(tiny_worlds), out=str(tmp_path / folder.replace("/", "_")), fast_dev_run=True,
                                  sky_photos=folder, **TINY)
        _, record = train("depth", config)
        metrics = json.loads(record.read_text())["training"]["held_out_metrics"]
        assert ("val/photo_sky_iou" in metrics) == measured, metrics
