"""``infinite-nature train promote``: shipped weights are replaced only where held-out metrics improve."""

from __future__ import annotations

import json
import shutil
import statistics
from pathlib import Path

import pytest
import torch
from PIL import Image

from infinite_nature.cli import main
from infinite_nature.models import DepthSkyNet, save_checkpoint
from infinite_nature.evaluate.photo_sky import REPOSITORY_PHOTOS
from infinite_nature.models.pretrained import WEIGHTS_ROOT
from infinite_nature.train.promotion import HISTORY_MARKER, JUDGES, Verdict, _history_row, paired_change

CARD = f"# Model card\n\n| date | what | metrics |\n|---|---|---|\n| 2026-01-01 | first weights | - |\n\n{HISTORY_MARKER}; add a row here.\n"


@pytest.fixture
def weights_folder(tmp_path):
    """A weights folder to promote into: an untrained depth + sky network and a model card."""
    folder = tmp_path / "shipped"
    torch.manual_seed(0)
    save_checkpoint(DepthSkyNet().eval(), folder / "depth_sky", training={"steps": 0, "data": "none"})
    (folder / "MODEL_CARD.md").write_text(CARD)
    return folder


def _candidate(tmp_path, training=None):
    """The project's trained depth + sky network, as a training run's export holds it."""
    folder = tmp_path / "run" / "export"
    folder.mkdir(parents=True)
    shutil.copy(WEIGHTS_ROOT / "default" / "depth_sky.safetensors", folder)
    record = json.loads((WEIGHTS_ROOT / "default" / "depth_sky.json").read_text())
    record["training"] = training or {"steps": 123, "wall_time_s": 4.5, "data": "seeds:100000-100099"}
    (folder / "depth_sky.json").write_text(json.dumps(record))
    return folder


def test_a_better_network_replaces_the_current_one_and_the_card_records_it(tmp_path, weights_folder, capsys):
    candidate = _candidate(tmp_path)
    replaced = json.loads((weights_folder / "depth_sky.json").read_text())["training"]
    assert main(["train", "promote", str(candidate), "--into", str(weights_folder), "--quick", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "promoted depth_sky: depth AbsRel" in out and ", on photos 0.0000 -> 0.8" in out, out
    assert (weights_folder / "depth_sky.safetensors").read_bytes() == (candidate / "depth_sky.safetensors").read_bytes()
    promotion = json.loads((weights_folder / "depth_sky.json").read_text())["training"]["promotion"]
    assert promotion["held_out"]["abs_rel"] < promotion["replaced_held_out"]["abs_rel"]
    assert promotion["held_out"]["photo_sky_by_photo"]["forest_creek"]["iou"] is None  # the photos' sky, kept too
    assert promotion["replaced_training"] == replaced and promotion["from"] == str(candidate)
    card = (weights_folder / "MODEL_CARD.md").read_text()
    rows = [line for line in card.splitlines() if line.startswith("| ")]
    assert "first weights" in rows[-2] and f"depth_sky from `{candidate}`" in rows[-1] and "steps 123" in rows[-1]
    assert card.index(rows[-1]) < card.index(HISTORY_MARKER)
    assert main(["generate", "--example", "--weights", str(weights_folder), "--frames", "2", "--size", "64", "--quiet",
                 "-o", str(tmp_path / "flight.mp4")]) == 0  # the promoted folder flies


def test_a_network_no_better_is_kept_and_nothing_is_written(tmp_path, weights_folder, capsys):
    candidate = tmp_path / "same"
    candidate.mkdir()
    for name in ("depth_sky.safetensors", "depth_sky.json"):
        shutil.copy(weights_folder / name, candidate / name)
    before = {p.name: p.read_bytes() for p in weights_folder.iterdir()}
    assert main(["train", "promote", str(candidate), "--into", str(weights_folder), "--quick", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "kept the current depth_sky: depth AbsRel" in out and "not below zero by more than its standard error" in out
    assert {p.name: p.read_bytes() for p in weights_folder.iterdir()} == before


def _depth_figures(by_seed: dict[str, float], sky_iou: float = 0.97, bar_views: int = 10,
                   photo_sky_iou: float = 0.78) -> dict:
    """The depth network's held-out figures, as ``train promote`` measures them, from AbsRel by view."""
    values = list(by_seed.values())
    return {"abs_rel": statistics.fmean(values), "abs_rel_median": statistics.median(values),
            "abs_rel_bar_views": statistics.fmean(values[:bar_views]), "sky_iou": sky_iou, "abs_rel_by_seed": by_seed,
            "photo_sky_iou": photo_sky_iou}


def test_the_depth_network_must_improve_view_by_view_beyond_noise():
    _, judge = JUDGES["depth_sky"]
    # 40 views: every tenth a hard one (a near crest before far ground), as in the held-out worlds
    current = {str(5000 + i): 0.4 if i % 10 == 3 else 0.1 + 0.001 * i for i in range(40)}
    better = {seed: error - 0.01 for seed, error in current.items()}
    improved, reason = judge(_depth_figures(current), _depth_figures(better))
    assert improved and "change view by view -0.0100 +- 0.0000" in reason, reason
    # a lower mean, all of it from the hard views while the others get worse: a trade
    trade = {seed: error - 0.15 if error > 0.3 else error + 0.005 for seed, error in current.items()}
    change, error = paired_change(current, trade)
    assert change + error < 0
    improved, reason = judge(_depth_figures(current), _depth_figures(trade))
    assert not improved and "the median rose" in reason, reason
    # a lower mean from one view's luck while the rest move either way: noise
    noisy = {seed: error + (-0.2 if seed == "5003" else 0.02 * (-1) ** i) for i, (seed, error) in enumerate(current.items())}
    assert statistics.fmean(noisy.values()) < statistics.fmean(current.values())
    improved, reason = judge(_depth_figures(current), _depth_figures(noisy))
    assert not improved and "not below zero by more than its standard error" in reason, reason
    # better everywhere but on the bar's views
    elsewhere = {seed: error + (0.002 if i < 10 else -0.02) for i, (seed, error) in enumerate(current.items())}
    improved, reason = judge(_depth_figures(current), _depth_figures(elsewhere))
    assert not improved and "the bar's views got worse" in reason, reason
    # better depth, but the sky IoU falls too far
    improved, reason = judge(_depth_figures(current), _depth_figures(better, sky_iou=0.95))
    assert not improved and "sky IoU fell" in reason, reason
    # better depth and sky on the worlds, but it calls real mountains sky
    improved, reason = judge(_depth_figures(current), _depth_figures(better, sky_iou=0.98, photo_sky_iou=0.64))
    assert not improved and "on photos 0.7800 -> 0.6400: sky IoU on the photos fell by more than" in reason, reason
    assert judge(_depth_figures(current), _depth_figures(better, photo_sky_iou=0.775))[0]  # within the slack


def test_refiner_and_sky_generator_must_improve_beyond_noise_too():
    _, refiner_judge = JUDGES["refiner"]
    gains = {str(5000 + i): 1.5 + 0.1 * (i % 5) for i in range(20)}

    def refiner(by_world: dict[str, float]) -> dict:
        return {"psnr_gain_over_telea_db": statistics.fmean(by_world.values()), "sharpness_ratio": 0.9,
                "psnr_gain_by_world": by_world}

    steady = {seed: gain + 0.05 for seed, gain in gains.items()}
    improved, reason = refiner_judge(refiner(gains), refiner(steady))
    assert improved and "change world by world +0.050 +- 0.000" in reason, reason
    one_world = {seed: gain + (3.0 if seed == "5007" else -0.1) for seed, gain in gains.items()}  # mean +0.055
    improved, reason = refiner_judge(refiner(gains), refiner(one_world))
    assert not improved and "by more than its standard error" in reason, reason

    _, sky_judge = JUDGES["sky_generator"]
    l1 = {str(5000 + i): 0.05 + 0.01 * (i % 4) for i in range(40)}

    def sky(by_view: dict[str, float]) -> dict:
        return {"unseen_sky_l1": statistics.fmean(by_view.values()), "unseen_sky_l1_by_seed": by_view}

    assert sky_judge(sky(l1), sky({seed: value - 0.002 for seed, value in l1.items()}))[0]
    mixed = {seed: value + (-0.05 if seed == "5011" else 0.001) for seed, value in l1.items()}  # mean lower
    improved, reason = sky_judge(sky(l1), sky(mixed))
    assert not improved and "by more than its standard error" in reason, reason


def test_a_dry_run_reports_without_replacing(tmp_path, weights_folder, capsys):
    before = {p.name: p.read_bytes() for p in weights_folder.iterdir()}
    assert main(["train", "promote", str(_candidate(tmp_path)), "--into", str(weights_folder), "--quick", "--quiet",
                 "--dry-run"]) == 0
    assert "would promote depth_sky (--dry-run)" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in weights_folder.iterdir()} == before


def test_a_network_trained_on_held_out_or_validation_worlds_is_not_measured_on_them(tmp_path, weights_folder, capsys):
    candidate = _candidate(tmp_path, training={"data": "seeds:4990-5009"})
    assert main(["train", "promote", str(candidate), "--into", str(weights_folder), "--quick", "--quiet"]) == 1
    assert "trained on 10 held-out or validation world(s) (5000-5009)" in capsys.readouterr().out
    exported = tmp_path / "views"  # an export's folder, read for its seeds
    exported.mkdir()
    for seed in (100000, 5042):
        (exported / f"world_{seed:07d}.jpg").write_bytes(b"")
    record = json.loads((candidate / "depth_sky.json").read_text())
    record["training"] = {"data": str(exported)}
    (candidate / "depth_sky.json").write_text(json.dumps(record))
    assert main(["train", "promote", str(candidate), "--into", str(weights_folder), "--quick", "--quiet"]) == 1
    assert "trained on 1 held-out or validation world(s) (5042-5042)" in capsys.readouterr().out
    record["training"] = {"data": "seeds:6030-6100"}  # validation worlds: the depth verdict measures 40 of them
    (candidate / "depth_sky.json").write_text(json.dumps(record))
    assert main(["train", "promote", str(candidate), "--into", str(weights_folder), "--quick", "--quiet"]) == 1
    assert "trained on 70 held-out or validation world(s) (6030-6099)" in capsys.readouterr().out


def test_refiner_and_sky_generator_are_measured_on_their_own_metrics(tmp_path, tiny_weights, capsys):
    into = tmp_path / "into"
    shutil.copytree(tiny_weights, into)
    assert main(["train", "promote", str(tiny_weights), "--into", str(into), "--quick", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "kept the current refiner: PSNR over warp + Telea" in out and "is not above the current" in out
    assert "kept the current sky_generator: unseen-sky L1" in out and "is not below the current" in out


def test_bad_folders_are_usage_errors(tmp_path, weights_folder, tiny_weights, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    candidate = _candidate(tmp_path)
    for args, message in [
        ([str(tmp_path / "missing")], "no such folder"),
        ([str(empty)], "none of depth_sky.safetensors"),
        ([str(weights_folder), "--into", str(weights_folder)], "is the --into folder itself"),
        ([str(tiny_weights), "--into", str(weights_folder)], f"--into {weights_folder} has no refiner network"),
        ([str(weights_folder), "--into", str(tmp_path / "nowhere")], "--into"),
        ([str(candidate), "--into", str(weights_folder), "--photos", str(tmp_path / "nowhere")],
         f"--photos {tmp_path / 'nowhere'}: no such folder"),
        ([str(candidate), "--into", str(weights_folder), "--photos", str(empty)],
         f"--photos {empty}: no photo with a sky mask (NAME.sky.png beside NAME.jpg)"),
    ]:
        assert main(["train", "promote", *args, "--quick", "--quiet"]) == 2, args
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], (args, err)


def test_a_bad_sky_mask_stops_a_depth_promotion_before_any_measuring(tmp_path, weights_folder, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copy(REPOSITORY_PHOTOS / "sunset.jpg", photos)
    Image.open(REPOSITORY_PHOTOS / "aitzgorri.sky.png").crop((0, 0, 300, 200)).save(photos / "sunset.sky.png")
    assert main(["train", "promote", str(_candidate(tmp_path)), "--into", str(weights_folder), "--photos", str(photos),
                 "--quick"]) == 1
    err = capsys.readouterr().err
    assert "sunset.sky.png: the sky mask is 300x200, its photo 512x341" in err and "depth + sky" not in err


def test_without_the_repositorys_photos_a_depth_promotion_asks_for_them(tmp_path, weights_folder, monkeypatch, capsys):
    from infinite_nature.evaluate import photo_sky

    monkeypatch.setattr(photo_sky, "REPOSITORY_PHOTOS", tmp_path / "site-packages" / "examples" / "photos")  # a wheel
    assert main(["train", "promote", str(_candidate(tmp_path)), "--into", str(weights_folder), "--quick"]) == 2
    err = capsys.readouterr().err
    assert "a depth network is judged on real photos' sky too: pass --photos DIR" in err


def test_the_history_row_says_when_a_network_is_an_average_of_checkpoints():
    verdict = Verdict("depth_sky", {}, {}, True, "AbsRel 0.2 -> 0.1")
    training = {"steps": 14000, "averaged": {"checkpoints": 29, "from_step": 7000, "to_step": 14000}}
    row = _history_row(verdict, Path("run/export-averaged"), training, "2026-12-07")
    assert "steps 14000; the mean of its 29 checkpoints from step 7000 to 14000" in row
    assert "the mean of" not in _history_row(verdict, Path("run/export"), {"steps": 14000}, "2026-12-07")
