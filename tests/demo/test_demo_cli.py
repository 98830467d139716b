"""``infinite-nature demo`` as a user starts it: bad flags, bad sources, serving, Ctrl+C."""

import json
import signal
import subprocess
import sys
import urllib.request

import pytest

from infinite_nature.cli import main


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--size", "100"], "--size must be a multiple of 16"),
        (["--port", "70000"], "--port must be in [0, 65535]"),
        (["--max-flights", "0"], "--max-flights must be >= 1"),
        (["--idle-minutes", "0"], "--idle-minutes must be > 0"),
        (["--jpeg-quality", "101"], "--jpeg-quality must be in [1, 100]"),
        (["--threads", "-1"], "--threads must be >= 0"),
        (["--world", "3", "--image", "x.jpg"], "not allowed with argument"),
        (["--world", "-2"], "expected a number >= 0"),
    ],
)
def test_bad_flags_are_usage_errors(flags, message, capsys):
    assert main(["demo", "--no-browser", *flags]) == 2
    assert message in capsys.readouterr().err


def test_a_missing_or_corrupt_image_fails_before_serving(tmp_path, capsys):
    assert main(["demo", "--no-browser", "--image", str(tmp_path / "nope.jpg")]) == 1
    assert "no such file" in capsys.readouterr().err
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff not really a jpeg")
    assert main(["demo", "--no-browser", "--image", str(broken)]) == 1
    assert "not a supported image" in capsys.readouterr().err


def _interruptible() -> None:
    """Ctrl+C as in a terminal: a shell starts background jobs (say, a CI script run with ``&``)
    with SIGINT ignored, children inherit that, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(*flags: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "infinite_nature", "demo", "--no-browser", "--port", "0", "--size", "64", *flags],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_interruptible,
    )
    line = process.stdout.readline()
    return process, line


@pytest.mark.timeout(180)
def test_serves_the_page_and_stops_cleanly_on_ctrl_c(photo):
    process, line = _start("--image", str(photo))
    try:
        assert "flying valley at http://127.0.0.1:" in line, process.stderr.read() if process.poll() is not None else line
        url = line.split(" at ")[1].split()[0]
        info = json.loads(urllib.request.urlopen(url + "api/info", timeout=30).read())
        assert info["source"] == "valley" and info["size"] == 64
        assert b'<canvas id="view"' in urllib.request.urlopen(url, timeout=30).read()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


@pytest.mark.timeout(180)
def test_a_public_address_is_served_with_a_warning():
    process, line = _start("--host", "0.0.0.0", "--world", "4")
    try:
        assert "flying example_world4 at http://127.0.0.1:" in line
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert "reachable from other machines" in err
