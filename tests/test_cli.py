"""The command line as a user meets it: help, version, errors and exit codes, bench output."""

import json
import subprocess
import sys

import pytest

from infinite_nature import __version__
from infinite_nature.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "infinite_nature", *args], capture_output=True, text=True, timeout=300
    )


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"infinite-nature {__version__}"


@pytest.mark.parametrize("command", [[], ["demo"], ["world"], ["world", "export"], ["bench"], ["bench", "render"], ["bench", "models"], ["bench", "world"], ["bench", "all"]])
def test_help_everywhere(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: infinite-nature" in capsys.readouterr().out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_unknown_flag_is_a_one_line_usage_error():
    result = run_cli("--no-such-flag")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "infinite-nature: error: unrecognized arguments: --no-such-flag (see 'infinite-nature --help')"
    ]
    assert "Traceback" not in result.stderr


def test_bad_value_is_a_usage_error(capsys):
    assert main(["bench", "render", "--repeats", "many"]) == 2
    assert "invalid int value" in capsys.readouterr().err
    assert main(["bench", "render", "--repeats", "0"]) == 2
    assert "--repeats must be at least 1" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["generate", "--meander", "nan"], "argument --meander: expected a finite number, got nan"),
    (["generate", "--fps", "inf"], "argument --fps: expected a finite number, got inf"),
    (["generate", "--size", "100000"], "argument --size: expected a side in [32, 4096] pixels, got 100000"),
    (["generate", "--size", "16"], "argument --size: expected a side in [32, 4096] pixels, got 16"),
    (["eval", "--size", "5000"], "argument --size: expected a side in [32, 4096] pixels, got 5000"),
    (["train", "depth", "--learning-rate", "nan"], "argument --learning-rate: expected a finite number, got nan"),
    (["demo", "--max-fps", "inf"], "argument --max-fps: expected a finite number, got inf"),
])
def test_numbers_that_cannot_work_are_usage_errors(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_cuda_device_without_gpu_is_a_usage_error(capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    assert main(["bench", "render", "--device", "cuda"]) == 2
    assert "no CUDA GPU" in capsys.readouterr().err


def test_bench_render_prints_a_table_and_writes_json(tmp_path):
    out = tmp_path / "render.json"
    result = run_cli("bench", "render", "--sizes", "32", "64", "--repeats", "2", "--device", "cpu", "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "fwd+bwd ms" in result.stdout
    report = json.loads(out.read_text())
    assert report["machine"]["device"] == "cpu"
    torch_rows = [row for row in report["rows"] if row["backend"] == "torch"]
    assert [row["size"] for row in torch_rows] == [32, 64]
    assert all(row["forward_ms"] > 0 and row["forward_backward_ms"] > 0 for row in torch_rows)
    cuda_rows = [row for row in report["rows"] if row["backend"] == "cuda"]
    assert all("skipped" in row for row in cuda_rows)
    assert not list(tmp_path.glob(".*partial*"))


def test_internal_errors_are_one_line_without_debug(monkeypatch, capsys):
    import infinite_nature.bench.render as bench

    def explode(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(bench, "run_render_bench", explode)
    assert main(["bench", "render", "--sizes", "16", "--device", "cpu"]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom (rerun with --debug" in err and "Traceback" not in err
    assert main(["--debug", "bench", "render", "--sizes", "16", "--device", "cpu"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_library_log_records_print_once():
    """huggingface_hub prints with its own handler: passed on to the CLI's as well, every retry
    of an offline Depth Anything download showed twice."""
    pytest.importorskip("huggingface_hub")
    script = (
        "from infinite_nature.cli import main\n"
        "main(['world', '--size', 'bad'])\n"
        "from huggingface_hub.utils import logging\n"
        "logging.get_logger('huggingface_hub.utils._http').warning('retrying a download')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stderr.count("retrying a download") == 1, result.stderr


def test_bench_models_reports_every_network(tmp_path):
    out = tmp_path / "models.json"
    result = run_cli("bench", "models", "--size", "64", "--repeats", "1", "--device", "cpu", "--json", str(out))
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    names = [row["network"] for row in report["rows"]]
    assert names == ["depth_sky", "refiner", "sky_generator", "discriminator"]
    assert all(row["ms"] > 0 and row["gflops"] > 0 and row["parameters_m"] > 0 for row in report["rows"])
    assert "weights that would ship" in result.stdout


def test_bench_world_runs_with_a_progress_bar_unless_quiet(tmp_path):
    result = run_cli("bench", "world", "--sizes", "32", "--seeds", "1")
    assert result.returncode == 0, result.stderr
    assert "cold s" in result.stdout and "world views" in result.stderr and "world views" not in result.stdout
    quiet = run_cli("bench", "world", "--sizes", "32", "--seeds", "1", "--quiet")
    assert quiet.returncode == 0 and "cold s" in quiet.stdout and "world views" not in quiet.stderr


def test_bench_demo_prints_fps_and_latency(tiny_weights, tmp_path):
    out = tmp_path / "demo.json"
    result = run_cli("bench", "demo", "--size", "64", "--seconds", "4", "--presses", "4", "--weights", str(tiny_weights),
                     "--device", "cpu", "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "latency_median_ms" in result.stdout and "flying" in result.stderr  # the seconds measured so far
    row = json.loads(out.read_text())["rows"][0]
    assert row["fps"] > 0 and row["presses_measured"] >= 1 and 0 < row["latency_median_ms"] <= row["latency_max_ms"]


def test_help_answers_without_loading_torch():
    """Help and usage errors come at once: only the chosen subcommand's module loads, and none
    of them imports torch, the networks or the renderer to build its parser."""
    code = (
        "import contextlib, io, sys\n"
        "from infinite_nature.cli import main\n"
        "for command in ([], ['generate'], ['eval'], ['demo'], ['train'], ['world'], ['world', 'export'], ['bench'],\n"
        "                ['bench', 'render'], ['bench', 'generate'], ['bench', 'demo']):\n"
        "    with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "        main([*command, '--help'])\n"
        "    print(command, sorted(m for m in ('torch', 'timm', 'kornia', 'cv2') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 11 and all(line.endswith(" []") for line in lines), result.stdout


def test_the_cli_imports_without_the_web_stack_or_the_video_encoder():
    """Training and export machines need neither: they load only when a demo runs or a video is written."""
    code = ("import sys, infinite_nature.cli; "
            "print(sorted(m for m in ('uvicorn', 'starlette', 'websockets', 'imageio_ffmpeg') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
