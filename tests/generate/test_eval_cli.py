"""``infinite-nature eval --quick`` end to end (with small random networks: the numbers are not judged)."""

import json

import pytest
import torch

from infinite_nature.cli import main


def test_quick_eval_writes_reports_with_baselines(tmp_path, tiny_weights, capsys):
    out = tmp_path / "report"
    assert main(["eval", "--quick", "--weights", str(tiny_weights), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    printed = captured.out
    assert "| warp_telea |" in printed and "PSNR gain over warp + Telea" in printed
    for bar in ("short range: 100%", "depth + sky: 100%", "sky domes: 100%", "world5050: 100%"):  # long work shows progress
        assert bar in captured.err, captured.err
    report = json.loads((out / "report.json").read_text())
    sky_dome = report["sky_dome"]
    assert list(sky_dome["unseen_sky_l1_by_seed"]) == [str(s) for s in range(5000, 5006)]
    assert 0 < sky_dome["unseen_sky_l1"] < 1
    assert f"sky generator: L1 to the dome where the view showed no sky {sky_dome['unseen_sky_l1']:.3f}" in printed
    short = report["short_range"]
    assert set(short) == {"ours", "warp", "warp_telea", "truth"}
    for method in ("ours", "warp", "warp_telea"):
        assert set(short[method]) == {"1", "2", "5"}
        assert all(0 < short[method][step]["psnr"] < 100 for step in ("1", "2", "5"))
    by_world = report["short_range_by_world"]["ours"]["5"]["psnr"]  # each world's own, as well as the mean
    assert list(by_world) == ["5000", "5001", "5002"]
    assert short["ours"]["5"]["psnr"] == pytest.approx(sum(by_world.values()) / 3)
    median = sorted(by_world.values())[1]
    assert f"ours, step 5, world by world: median PSNR {median:.2f} dB" in printed
    # inpainting never makes the warp worse, and warping degrades with distance
    assert short["warp_telea"]["1"]["psnr"] >= short["warp"]["1"]["psnr"]
    assert short["warp"]["1"]["psnr"] > short["warp"]["5"]["psnr"]
    depth = report["depth"]
    assert 0.0 <= depth["sky_iou"] <= 1.0
    by_seed = depth["abs_rel_by_seed"]  # which views fail, for the next training run
    assert list(by_seed) == [str(s) for s in range(5000, 5006)] and all(v >= 0 for v in by_seed.values())
    assert depth["abs_rel"] == pytest.approx(sum(by_seed.values()) / 6)
    middle = sorted(by_seed.values())[2:4]
    assert depth["abs_rel_median"] == pytest.approx(sum(middle) / 2)
    assert f"depth AbsRel {depth['abs_rel']:.3f} (median {depth['abs_rel_median']:.3f})" in printed
    assert (out / "report.md").read_text().startswith("| method |")
    flight = report["long_range"]["world5050"]
    assert len(flight["series"]["flicker"]) == 31 and flight["nonfinite_total"] == 0
    assert flight["frames_under_ground"] == 0
    assert flight["series"]["drift_lab_mean"][0] == 0.0 and flight["series"]["flicker"][0] == 0.0
    assert list(flight["truth"]) == ["10", "20", "30"]  # the world at the flown pose, every 10 steps in --quick
    assert all(5 < t["coarse_psnr"] < 100 and t["coarse_lab_error"] >= 0 for t in flight["truth"].values())
    assert flight["truth_mean"]["coarse_psnr"] == pytest.approx(sum(t["coarse_psnr"] for t in flight["truth"].values()) / 3)
    assert report["long_range_vs_truth"] == flight["truth_mean"]  # one world flight in --quick
    assert f"coarse PSNR {flight['truth_mean']['coarse_psnr']:.2f} dB" in printed
    assert sorted(p.name for p in (out / "plots").iterdir()) == sorted(
        f"{k}.png" for k in ("sharpness", "drift_lab_mean", "drift_lab_std", "sky_fraction", "flicker", "nonfinite",
                             "coarse_psnr_vs_truth"))
    assert (out / "sheets" / "world5050.jpg").stat().st_size > 0
    assert report["realism"].startswith("skipped") and "--inception-weights" in printed


def test_bad_inception_weights_are_a_clear_error(tmp_path, tiny_weights, capsys):
    garbage = tmp_path / "inception.pth"
    garbage.write_bytes(b"not weights")
    other = tmp_path / "other.pth"
    torch.save({"fc.weight": torch.zeros(2, 2)}, other)
    for path, message in [(garbage, "not a readable torch state dict"), (other, "not torchvision Inception-v3 weights")]:
        assert main(["eval", "--quick", "--weights", str(tiny_weights), "--out", str(tmp_path / "r"),
                     "--inception-weights", str(path)]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], err


def test_fid_and_kid_with_local_inception_weights(tmp_path, tiny_weights):
    from torchvision.models import inception_v3

    path = tmp_path / "inception.pth"
    torch.save(inception_v3(weights=None, aux_logits=True, init_weights=False).state_dict(), path)
    out = tmp_path / "report"
    assert main(["eval", "--quick", "--weights", str(tiny_weights), "--out", str(out), "--inception-weights", str(path)]) == 0
    realism = json.loads((out / "report.json").read_text())["realism"]
    assert set(realism) == {"1-16", "16-32"}  # the quick flight has 30 steps
    assert realism["1-16"]["frames"] == 15 and realism["16-32"]["frames"] == 15
    assert all(item["fid"] >= 0 and 0 <= abs(item["kid"]) < 10 for item in realism.values())


def test_quick_eval_flies_from_the_bundled_real_photographs(tmp_path, tiny_weights):
    from pathlib import Path

    photos = Path(__file__).resolve().parents[2] / "examples" / "photos"
    out = tmp_path / "report"
    assert main(["eval", "--quick", "--weights", str(tiny_weights), "--out", str(out), "--photos", str(photos)]) == 0
    report = json.loads((out / "report.json").read_text())
    flights = report["long_range"]
    names = ("aitzgorri", "forest_creek", "picos_de_europa", "sunset")
    assert set(flights) == {"world5050", *names}  # ATTRIBUTION.md and the sky masks are not taken for photos
    assert set(report["photo_sky"]["by_photo"]) == set(names) and 0 <= report["photo_sky"]["iou"] <= 1
    assert "photos' sky IoU against their hand-made masks" in (out / "report.md").read_text()
    for name in names:
        assert len(flights[name]["series"]["sharpness"]) == 31 and flights[name]["nonfinite_total"] == 0
        assert flights[name]["truth"] == {} and flights[name]["truth_mean"] is None  # a photo has no truth
        assert (out / "sheets" / f"{name}.jpg").stat().st_size > 0


def test_photo_depth_backend_errors_come_before_the_long_work_and_name_the_flag(tmp_path, tiny_weights, capsys):
    from pathlib import Path

    photos = Path(__file__).resolve().parents[2] / "examples" / "photos"
    not_a_hub_repo = tmp_path / "midas"
    not_a_hub_repo.mkdir()
    assert main(["eval", "--quick", "--weights", str(tiny_weights), "--out", str(tmp_path / "report"),
                 "--photos", str(photos), "--depth", "midas-small", "--depth-weights", str(not_a_hub_repo)]) == 1
    err = capsys.readouterr().err
    assert f"--depth-weights {not_a_hub_repo}: not a torch.hub repository folder" in err
    assert "short range" not in err and not (tmp_path / "report").exists()


def test_depth_flags_without_photos_or_with_a_bad_name_are_usage_errors(tmp_path, tiny_weights, capsys):
    base = ["eval", "--quick", "--weights", str(tiny_weights), "--out", str(tmp_path / "report")]
    for extra, message in [
        (["--depth", "midas-small"], "--depth and --depth-weights choose the depth of --photos"),
        (["--depth-weights", str(tmp_path)], "--depth and --depth-weights choose the depth of --photos"),
        (["--photos", str(tmp_path), "--depth", "zoe"], "argument --depth: unknown depth backend 'zoe'"),
    ]:
        assert main(base + extra) == 2, extra
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], (extra, err)
    assert not (tmp_path / "report").exists()


def test_validation_worlds_for_design_choices_and_bounded_counts(tmp_path, tiny_weights, capsys):
    out = tmp_path / "report"
    assert main(["eval", "--quick", "--seed-set", "validation", "--weights", str(tiny_weights), "--out", str(out),
                 "--quiet"]) == 0
    assert "validation worlds: PSNR gain over warp + Telea" in capsys.readouterr().out
    report = json.loads((out / "report.json").read_text())
    assert report["seed_set"] == "validation" and report["short_range_seeds"] == [6000, 6001, 6002]
    assert list(report["short_range_by_world"]["ours"]["5"]["psnr"]) == ["6000", "6001", "6002"]
    assert list(report["depth"]["abs_rel_by_seed"]) == [str(s) for s in range(6000, 6006)]
    assert list(report["long_range"]) == ["world6050"] and report["long_range"]["world6050"]["truth_mean"]
    for flag, value in (("--worlds", "101"), ("--flights", "51")):
        assert main(["eval", "--quick", flag, value, "--out", str(tmp_path / "other")]) == 2
        assert "--worlds is at most 100 and --flights at most 50" in capsys.readouterr().err
    assert not (tmp_path / "other").exists()


def test_a_second_report_in_the_same_folder_needs_overwrite_and_replaces_the_first(tmp_path, tiny_weights, capsys):
    out = tmp_path / "report"
    base = ["eval", "--quick", "--weights", str(tiny_weights), "--out", str(out), "--quiet"]
    assert main(base) == 0
    first = (out / "report.json").read_text()
    stale = out / "sheets" / "photo_gone.jpg"  # a flight the next report does not have
    stale.write_bytes(b"old")
    capsys.readouterr()
    assert main(base + ["--seed-set", "validation"]) == 2
    assert f"--out {out} holds a report (report.json, report.md, plots, sheets); pass --overwrite" in capsys.readouterr().err
    assert (out / "report.json").read_text() == first and stale.exists()
    assert main(base + ["--seed-set", "validation", "--overwrite"]) == 0
    assert json.loads((out / "report.json").read_text())["seed_set"] == "validation"
    assert not stale.exists() and sorted(p.name for p in (out / "sheets").iterdir()) == ["world6050.jpg"]


def test_a_sky_mask_that_does_not_fit_its_photo_fails_before_the_long_work(tmp_path, tiny_weights, capsys):
    from pathlib import Path

    from PIL import Image

    photos = tmp_path / "photos"
    photos.mkdir()
    Image.new("RGB", (120, 80), (90, 140, 220)).save(photos / "lake.jpg")
    Image.new("L", (80, 120), 255).save(photos / "lake.sky.png")  # turned the wrong way
    assert main(["eval", "--quick", "--weights", str(tiny_weights), "--out", str(tmp_path / "report"),
                 "--photos", str(photos)]) == 1
    err = capsys.readouterr().err
    assert f"{Path(photos) / 'lake.sky.png'}: the sky mask is 80x120, its photo 120x80" in err
    assert "short range" not in err and not (tmp_path / "report").exists()
