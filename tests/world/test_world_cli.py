"""``infinite-nature world`` end to end on small sizes."""

import json

import numpy as np
from PIL import Image

from infinite_nature.cli import main


def test_render_with_depth_and_sky(tmp_path, capsys):
    out, depth, sky = tmp_path / "scene.png", tmp_path / "depth.png", tmp_path / "sky.png"
    assert main(["world", "--seed", "3", "--size", "64x48", "-o", str(out), "--depth", str(depth), "--sky", str(sky)]) == 0
    assert "wrote 1 view at 64x48" in capsys.readouterr().out
    assert Image.open(out).size == (64, 48) and Image.open(out).mode == "RGB"
    disparity = np.asarray(Image.open(depth))
    assert disparity.dtype == np.uint16 and disparity.shape == (48, 64)
    mask = np.asarray(Image.open(sky))
    assert set(np.unique(mask)) <= {0, 255} and (mask == 255).any() and (mask == 0).any()
    assert (disparity[mask == 255] == round(0.01 * 65535)).all()
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)


def test_refuses_to_overwrite_and_keeps_the_file(tmp_path, capsys):
    out = tmp_path / "scene.png"
    out.write_bytes(b"precious")
    assert main(["world", "--size", "32x32", "-o", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert out.read_bytes() == b"precious"
    assert main(["world", "--size", "32x32", "-o", str(out), "--overwrite"]) == 0
    assert out.read_bytes() != b"precious"


def test_trajectory_writes_numbered_frames_and_cameras(tmp_path):
    out = tmp_path / "fly.jpg"
    assert main(["world", "--seed", "2", "--size", "48x32", "-o", str(out), "--trajectory", "3"]) == 0
    frames = sorted(p.name for p in tmp_path.glob("fly_*.jpg"))
    assert frames == ["fly_0000.jpg", "fly_0001.jpg", "fly_0002.jpg", "fly_0003.jpg"]
    cameras = json.loads((tmp_path / "fly_cameras.json").read_text())
    assert cameras["world_seed"] == 2 and len(cameras["frames"]) == 4
    positions = [np.array(frame["camera_to_world"])[:3, 3] for frame in cameras["frames"]]
    assert np.linalg.norm(positions[-1] - positions[0]) > 5.0


def test_bad_arguments_are_usage_errors(tmp_path, capsys):
    for args, message in [
        (["world", "--size", "huge"], "size must look like"),
        (["world", "--size", "0x10"], "sides in"),
        (["world", "--seed", "-3"], ">= 0"),
        (["world", "-o", str(tmp_path / "x.tiff")], "unsupported image format"),
        (["world", "-o", str(tmp_path / "x.png"), "--depth", str(tmp_path / "d.jpg")], "16-bit"),
        (["world", "export", "--out", str(tmp_path)], "--count"),
        (["world", "export", "--count", "0", "--out", str(tmp_path)], ">= 1"),
        (["world", "export", "--count", "1", "--out", str(tmp_path), "--path-steps", "-1"], ">= 0"),
        (["world", "export", "--count", "1", "--out", str(tmp_path), "--step-length", "0"], "> 0"),
        (["world", "export", "--count", "1", "--out", str(tmp_path), "--workers", "-2"], ">= 0"),
    ]:
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_export_command(tmp_path, capsys):
    assert main(["world", "export", "--count", "2", "--out", str(tmp_path / "data"), "--size", "32x24", "--quiet"]) == 0
    assert "exported 2 new view(s)" in capsys.readouterr().out
    assert len(list((tmp_path / "data").glob("*.jpg"))) == 2
    args = ["world", "export", "--count", "1", "--out", str(tmp_path / "paths"), "--size", "32x24", "--quiet",
            "--path-steps", "2", "--step-length", "5", "--workers", "2"]
    assert main(args) == 0
    assert "exported 1 new view(s) with 2 path step(s) each" in capsys.readouterr().out
    assert sorted(p.stem for p in (tmp_path / "paths").glob("*.jpg")) == [
        "world_0000000", "world_0000000_step01", "world_0000000_step02"]
    (tmp_path / "file").write_text("x")
    assert main(["world", "export", "--count", "1", "--out", str(tmp_path / "file")]) == 2


def test_unwritable_output_places_fail_with_one_line(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("kept")
    for args, start in [
        (["world", "-o", str(blocker / "view.png")], f"{blocker / 'view.png'}: "),
        (["world", "export", "--count", "1", "--out", str(blocker / "data"), "--quiet"], f"--out {blocker / 'data'}: "),
        (["bench", "world", "--sizes", "16", "--seeds", "1", "--json", str(blocker / "b.json")], f"--json {blocker / 'b.json'}: "),
    ]:
        assert main(args) == 1, args
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"infinite-nature: error: {start}{blocker} is a file, not a folder"], err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"] and blocker.read_text() == "kept"
