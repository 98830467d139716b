"""``infinite-nature eval --quick`` end to end (with small random networks: the numbers are not judged)."""

import json

from infinite_nature.cli import main


def test_quick_eval_writes_reports_with_baselines(tmp_path, tiny_weights, capsys):
    out = tmp_path / "report"
    assert main(["eval", "--quick", "--weights", str(tiny_weights), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| warp_telea |" in printed and "PSNR gain over warp + Telea" in printed
    report = json.loads((out / "report.json").read_text())
    short = report["short_range"]
    assert set(short) == {"ours", "warp", "warp_telea", "truth"}
    for method in ("ours", "warp", "warp_telea"):
        assert set(short[method]) == {"1", "2", "5"}
        assert all(0 < short[method][step]["psnr"] < 100 for step in ("1", "2", "5"))
    # inpainting never makes the warp worse, and warping degrades with distance
    assert short["warp_telea"]["1"]["psnr"] >= short["warp"]["1"]["psnr"]
    assert short["warp"]["1"]["psnr"] > short["warp"]["5"]["psnr"]
    assert 0.0 <= report["depth"]["sky_iou"] <= 1.0
    assert (out / "report.md").read_text().startswith("| method |")
