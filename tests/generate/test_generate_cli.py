"""``infinite-nature generate`` end to end on tiny inputs."""

import json
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import torch
import numpy as np
import pytest
from PIL import Image

from infinite_nature.cli import main
from tests.processes import terminate_when


def read_video(path):
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    width, height = meta["size"]
    return [np.frombuffer(f, np.uint8).reshape(height, width, 3) for f in reader]


def base_args(tiny_weights, *extra):
    return ["generate", "--weights", str(tiny_weights), "--quiet", "--size", "64", *extra]


def test_example_video_has_the_right_frames_and_size(tmp_path, tiny_weights, capsys):
    out = tmp_path / "flight.mp4"
    assert main(base_args(tiny_weights, "--example", "--frames", "6", "-o", str(out))) == 0
    assert "wrote" in capsys.readouterr().out
    frames = read_video(out)
    assert len(frames) == 6 and frames[0].shape == (64, 64, 3)
    assert not list(tmp_path.glob(".*partial*"))


def test_photo_with_every_companion_output(tmp_path, tiny_weights, photo):
    out = tmp_path / "valley.mp4"
    args = base_args(tiny_weights, str(photo), "--frames", "5", "-o", str(out), "--save-depth", "--preview", "--save-cameras")
    assert main(args) == 0
    assert len(read_video(out)) == 5
    assert read_video(tmp_path / "valley_depth.mp4")[0].shape == (48, 64, 3)  # aspect kept: 96x64 -> 64x48
    assert read_video(tmp_path / "valley_preview.mp4")[0].shape == (48, 192, 3)
    transforms = json.loads((tmp_path / "valley_transforms.json").read_text())
    assert transforms["w"] == 64 and transforms["h"] == 48 and len(transforms["frames"]) == 5
    first = np.array(transforms["frames"][0]["transform_matrix"])
    np.testing.assert_allclose(first, np.diag([1.0, -1.0, -1.0, 1.0]))  # OpenGL convention, first camera at origin


@pytest.mark.parametrize("path", ["autopilot", "straight", "orbit"])
def test_every_controller_flies(tmp_path, tiny_weights, path):
    out = tmp_path / "frames"
    assert main(base_args(tiny_weights, "--example", "--frames", "4", "--path", path, "-o", str(out), "--save-cameras")) == 0
    assert sorted(p.name for p in out.iterdir()) == [f"{i:05d}.png" for i in range(4)]
    cameras = json.loads((tmp_path / "frames_transforms.json").read_text())["frames"]
    moved = np.linalg.norm(np.array(cameras[-1]["transform_matrix"])[:3, 3])
    assert moved > 0.01


def test_keyframe_path(tmp_path, tiny_weights):
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"version": 1, "keyframes": [
        {"time": 0, "position": [0, 0, 0], "direction": [0, 0, 1]},
        {"time": 0.2, "position": [0.1, 0, 0.3], "look_at": [0.2, 0, 3], "fov": 55},
    ]}))
    out = tmp_path / "keys.mp4"
    assert main(base_args(tiny_weights, "--example", "--frames", "4", "--fps", "10", "--path", str(keys), "-o", str(out), "--save-cameras")) == 0
    cameras = json.loads((tmp_path / "keys_transforms.json").read_text())["frames"]
    np.testing.assert_allclose(np.array(cameras[2]["transform_matrix"])[:3, 3], [0.1, 0.0, 0.3], atol=1e-6)


@pytest.mark.parametrize(
    "content, message",
    [
        ({"version": 2, "keyframes": []}, "version"),
        ({"version": 1, "keyframes": [{"time": 0, "position": [0, 0, 0], "direction": [0, 0, 1]}]}, "at least 2"),
        ({"version": 1, "keyframes": [{"time": 0, "position": [0, 0], "direction": [0, 0, 1]},
                                      {"time": 1, "position": [0, 0, 1], "direction": [0, 0, 1]}]}, r"keyframes\[0\].position"),
        ({"version": 1, "keyframes": [{"time": 0, "position": [0, 0, 0], "direction": [0, 0, 1]},
                                      {"time": 0, "position": [0, 0, 1], "direction": [0, 0, 1]}]}, r"keyframes\[1\].time"),
        ({"version": 1, "keyframes": [{"time": 0, "position": [0, 0, 0]},
                                      {"time": 1, "position": [0, 0, 1], "direction": [0, 0, 1]}]}, r"keyframes\[0\]: give exactly one"),
        ({"version": 1, "keyframes": [{"time": 0, "position": [0, 0, 0], "direction": [0, 0, 1], "zoom": 2},
                                      {"time": 1, "position": [0, 0, 1], "direction": [0, 0, 1]}]}, "unknown field"),
        ({"version": 1, "keyframes": [{"time": 0, "position": [0, 0, 0], "direction": [0, 0, 1], "fov": 500},
                                      {"time": 1, "position": [0, 0, 1], "direction": [0, 0, 1]}]}, r"keyframes\[0\].fov"),
    ],
)
def test_keyframe_errors_point_to_the_field(tmp_path, tiny_weights, capsys, content, message):
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(content))
    out = tmp_path / "x.mp4"
    assert main(base_args(tiny_weights, "--example", "--path", str(keys), "-o", str(out))) == 1
    err = capsys.readouterr().err
    assert "keys.json" in err
    import re

    assert re.search(message, err), err
    assert not out.exists()


def test_bad_inputs_each_give_one_line_and_no_output(tmp_path, tiny_weights, capsys):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    big = tmp_path / "big.png"
    Image.new("RGB", (400, 300)).save(big)
    cases = [
        ([str(tmp_path / "missing.jpg")], "no such file"),
        ([str(empty)], "empty file"),
        ([str(truncated)], "not"),
        ([str(text)], "not a supported image"),
        ([str(big), "--max-pixels", "1000"], "raise it with --max-pixels"),
    ]
    for args, message in cases:
        out = tmp_path / "out.mp4"
        assert main(base_args(tiny_weights, *args, "-o", str(out))) == 1, args
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0] and "Traceback" not in err[0], err
        assert not out.exists()


def test_usage_errors(tmp_path, tiny_weights, photo, capsys):
    for args, message in [
        (["--example", "--frames", "0"], ">= 1"),
        (["--example", "--path", "zigzag"], "--path must be"),
        (["--example", "-o", str(tmp_path / "x.avi")], "unsupported output"),
        ([str(photo), "--depth", "zoe"], "unknown depth backend 'zoe'"),
        ([str(photo), "--depth", "file:"], "unknown depth backend 'file:'"),
        (["--example", str(photo)], "--example flies the built-in view"),
        (["--example", "--depth", "midas-small"], "--depth: the built-in example has its world's exact depth"),
        (["--depth-kind", "depth", "--depth-weights", str(tmp_path)], "--depth-kind, --depth-weights: the built-in"),
        (["--example", "--format", "gif", "-o", str(tmp_path / "out.mp4")], "--format gif: -o/--output"),
        (["--example", "--output-dir", str(tmp_path), "-o", str(tmp_path / "out.mp4")], "already names the place"),
        (["--example", "--meander", "0.8"], "within [-0.5, 0.5]"),
    ]:
        assert main(base_args(tiny_weights, "-o", str(tmp_path / "out.mp4"), *args)) == 2, args
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], (args, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_batch_continues_after_a_failure_and_summarises(tmp_path, tiny_weights, photo, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(photo.read_bytes())
    (folder / "b.jpg").write_bytes(b"")
    (folder / "c.jpg").write_bytes(photo.read_bytes())
    out = tmp_path / "out"
    summary = tmp_path / "summary.json"
    code = main(base_args(tiny_weights, str(folder), "--frames", "3", "--output-dir", str(out), "--format", "gif",
                          "--depth-weights", str(tiny_weights / "depth_sky"), "--summary", str(summary)))
    assert code == 1
    printed = capsys.readouterr().out
    assert "summary: 2 written, 1 failed" in printed and "b: " in printed
    assert sorted(p.name for p in out.iterdir()) == ["a.gif", "c.gif"]
    with Image.open(out / "a.gif") as gif:
        assert gif.n_frames == 3 and gif.size == (64, 48)
    assert len(json.loads(summary.read_text())["failures"]) == 1


def test_an_unexpected_error_on_one_input_leaves_the_batch_running(tmp_path, tiny_weights, photo, capsys, monkeypatch):
    """A bug or the machine's failure (here injected as a RuntimeError while flying b.jpg) costs
    that input only: the others are written and the summary names it as an internal error. With
    ``--devices N`` this is also what keeps the other processes from waiting for it forever."""
    import infinite_nature.generate.run as run

    real = run.generate_one

    def failing_on_b(first, output, *rest):
        if Path(output).stem == "b":
            raise RuntimeError("out of memory\nsecond line")
        return real(first, output, *rest)

    monkeypatch.setattr(run, "generate_one", failing_on_b)
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        (folder / name).write_bytes(photo.read_bytes())
    out, summary = tmp_path / "out", tmp_path / "summary.json"
    code = main(base_args(tiny_weights, str(folder), "--frames", "2", "--output-dir", str(out), "--summary", str(summary)))
    assert code == 1
    captured = capsys.readouterr()
    assert "summary: 2 written, 1 failed" in captured.out and "Traceback" not in captured.out + captured.err
    assert sorted(p.name for p in out.iterdir()) == ["a.mp4", "c.mp4"]
    [(name, message)] = json.loads(summary.read_text())["failures"]
    assert name == "b" and message == (f"{folder / 'b.jpg'}: internal error: RuntimeError: out of memory "
                                       "(rerun with --debug for the traceback)")


def test_two_processes_share_a_batch_and_report_it_once(tmp_path, tiny_weights, photo):
    """``--devices 2`` (Lightning Fabric, here two CPU processes) splits the inputs; the summary
    line and file cover every process's inputs, a failure in either sets the exit code, and the
    processes' start is not logged."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.jpg", "c.jpg"):
        (folder / name).write_bytes(photo.read_bytes())
    (folder / "b.jpg").write_bytes(b"")
    out, summary = tmp_path / "out", tmp_path / "summary.json"
    done = subprocess.run([sys.executable, "-m", "infinite_nature", *base_args(tiny_weights, str(folder), "--frames", "2",
                           "--output-dir", str(out), "--summary", str(summary), "--devices", "2")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert done.stdout.count("summary: 2 written, 1 failed") == 1, done.stdout
    assert "INFO" not in done.stderr and "distributed" not in done.stderr, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["a.mp4", "c.mp4"]
    report = json.loads(summary.read_text())
    assert [r["input"] for r in report["results"]] == ["a", "c"] and [f[0] for f in report["failures"]] == ["b"]


def test_an_unwritable_output_place_fails_before_any_frame(tmp_path, tiny_weights, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("kept")
    for args, flag in [
        (["-o", str(blocker / "x.mp4")], "--output"),
        (["--output-dir", str(blocker / "videos")], "--output-dir"),
        (["-o", str(tmp_path / "ok.mp4"), "--summary", str(blocker / "s.json")], "--summary"),
    ]:
        assert main(base_args(tiny_weights, "--example", "--frames", "2", *args)) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(f"infinite-nature: error: {flag} ") and "is a file, not a folder" in err[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]
    assert blocker.read_text() == "kept"


def test_refuses_to_overwrite(tmp_path, tiny_weights, capsys):
    out = tmp_path / "keep.mp4"
    out.write_bytes(b"precious")
    assert main(base_args(tiny_weights, "--example", "--frames", "2", "-o", str(out))) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert out.read_bytes() == b"precious"
    assert main(base_args(tiny_weights, "--example", "--frames", "2", "-o", str(out), "--overwrite")) == 0
    assert len(read_video(out)) == 2


def test_same_seed_same_frames(tmp_path):
    """The shipped weights: the fills and the dome keep the networks' colours within a leeway
    of the photo's, and tiny random networks' latents move them by less than a grey level."""
    for name, seed in (("a", "3"), ("b", "3"), ("c", "4")):  # fast enough to open holes for the refiner to fill
        args = ["generate", "--quiet", "--size", "64", "--example", "--frames", "4", "--path", "orbit",
                "--speed", "0.2", "--seed", seed, "-o", str(tmp_path / name)]
        assert main(args) == 0
    a, b, c = ([np.stack([np.asarray(Image.open(tmp_path / n / f"{i:05d}.png")) for i in range(4)]) for n in "abc"])
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_an_interrupted_run_leaves_no_file(tmp_path, tiny_weights, monkeypatch, capsys):
    from infinite_nature.generate import flight

    calls = {"n": 0}
    original = flight.Flight.advance

    def interrupt(self):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(self)

    monkeypatch.setattr(flight.Flight, "advance", interrupt)
    out = tmp_path / "cut.mp4"
    assert main(base_args(tiny_weights, "--example", "--frames", "10", "-o", str(out))) == 130
    assert not out.exists() and not list(tmp_path.iterdir())


def test_a_terminated_run_leaves_no_file(tmp_path, tiny_weights):
    """SIGTERM (kill, a scheduler's time limit) cleans up like Ctrl+C: no partial video is left."""
    out = tmp_path / "killed.mp4"
    code, err = terminate_when(base_args(tiny_weights, "--example", "--frames", "100000", "-o", str(out)),
                               lambda: bool(list(tmp_path.glob(".killed.mp4.partial*"))))  # frames are being written
    assert code == 143 and err.strip().splitlines()[-1] == "infinite-nature: terminated", err
    assert not list(tmp_path.iterdir())


def test_missing_weights_say_how_to_get_them(tmp_path, capsys, monkeypatch):
    import infinite_nature.models.pretrained as pretrained

    monkeypatch.setattr(pretrained, "WEIGHTS_ROOT", tmp_path / "none")
    assert main(["generate", "--example", "--quiet", "-o", str(tmp_path / "x.mp4")]) == 1
    assert "no shipped 'default' weights" in capsys.readouterr().err


@pytest.mark.slow
def test_a_long_flight_stays_finite_with_flat_memory(tiny_weights, tmp_path):
    from infinite_nature.bench.generate import GenerateBenchConfig, run_generate_bench

    report = run_generate_bench(
        GenerateBenchConfig(size=64, frames=1000, starts=3, start_frames=200, weights=str(tiny_weights)), torch.device("cpu")
    )
    assert report["nonfinite_events"] == 0
    assert report["rss_growth_mb"] < 100
    assert report["flights_under_ground"] == 0


def _straight_flights(tmp_path, weights, height: int, width: int, runs: dict[str, list[str]], frames: int,
                      speed: float, seed: int) -> dict[str, np.ndarray]:
    """A random grey texture saved as a photo, flown straight at --size 48 once per entry of
    ``runs`` (name -> extra flags); each run's frames as float32 [frames, H, W, 3]."""
    texture = np.random.default_rng(seed).integers(0, 256, (height, width, 1), dtype=np.uint8)
    photo = tmp_path / "texture.png"
    Image.fromarray(np.repeat(texture, 3, axis=2)).save(photo)
    flown = {}
    for name, extra in runs.items():
        args = ["generate", "--weights", str(weights), "--quiet", "--size", "48", str(photo), "--frames", str(frames),
                "--path", "straight", "--speed", str(speed), "-o", str(tmp_path / name), *extra]
        assert main(args) == 0
        flown[name] = np.stack([np.asarray(Image.open(tmp_path / name / f"{i:05d}.png"), dtype=np.float32)
                                for i in range(frames)])
    return flown


def test_a_photo_flight_reads_the_photos_finer_pixels_unless_told_not_to(tmp_path, tiny_weights):
    """At --size 48 a 96x64 photo has 2x the pixels a frame shows: the first frame is their box
    average either way, and once the flight magnifies the photo, the frames read them (how
    much sharper that makes frames is tests/render/test_source_detail.py's and
    tests/generate/test_flight.py's business)."""
    frames = _straight_flights(tmp_path, tiny_weights, 64, 96, {"detail": [], "plain": ["--no-photo-detail"]}, 6, 0.1,
                               seed=1)
    assert frames["detail"][0].shape == (32, 48, 3)
    photo_average = np.asarray(Image.open(tmp_path / "texture.png"), dtype=np.float32).reshape(32, 2, 48, 2, 3).mean(axis=(1, 3))
    assert np.abs(frames["detail"][0] - photo_average).max() <= 1.0  # rounding to 8 bits only
    assert np.array_equal(frames["detail"][0], frames["plain"][0])
    changed = np.abs(frames["detail"][5] - frames["plain"][5]).max(axis=2) > 8
    assert changed.mean() > 0.01  # 3% measured with the tiny test weights' depth


def test_no_detail_octaves_leaves_magnified_surfaces_as_the_source_has_them(tmp_path, tiny_weights):
    """The first frame is the photo either way; where the flight magnifies it, the octaves show
    (with the tiny test weights' depth, in a few pixels of each frame)."""
    frames = _straight_flights(tmp_path, tiny_weights, 32, 48, {"octaves": [], "plain": ["--no-detail-octaves"]}, 10,
                               0.15, seed=2)
    assert np.array_equal(frames["octaves"][0], frames["plain"][0])
    changed = np.abs(frames["octaves"] - frames["plain"]).max(axis=3) > 8  # [10, H, W]
    assert changed.sum() >= 20


def test_no_aerial_perspective_keeps_ground_in_the_haze_it_was_first_seen_through(tmp_path, tiny_weights):
    """The built-in example (world 7) is hazy: flown into, its ground clears unless told not to
    (how close that comes to the world's truth is tests/generate/test_flight.py's business)."""
    flown = {}
    for name, extra in {"cleared": [], "as seen": ["--no-aerial-perspective"]}.items():
        out = tmp_path / name
        assert main(base_args(tiny_weights, "--example", "--frames", "8", "--path", "straight", "--speed", "0.5",
                              "-o", str(out), *extra)) == 0
        flown[name] = np.stack([np.asarray(Image.open(out / f"{i:05d}.png"), dtype=np.float32) for i in range(8)])
    assert np.array_equal(flown["cleared"][0], flown["as seen"][0])
    changed = np.abs(flown["cleared"][7] - flown["as seen"][7]).max(axis=2) > 4
    assert changed.mean() > 0.05
