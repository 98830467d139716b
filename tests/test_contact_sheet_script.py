"""scripts/contact_sheet.py, as the docs run it: every k-th frame of videos in one image, and clear errors."""

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from infinite_nature.generate.video import FrameSink

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "contact_sheet.py"


def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


def test_sheet_holds_every_kth_frame_of_each_video(tmp_path):
    for name, shade in (("a.mp4", 40), ("b.mp4", 200)):
        with FrameSink(tmp_path / name, fps=10) as sink:
            for _ in range(6):
                sink.write(np.full((32, 48, 3), shade, np.uint8))
    result = run_script(str(tmp_path / "a.mp4"), str(tmp_path / "b.mp4"), str(tmp_path / "sheet.jpg"), "--every", "3")
    assert result.returncode == 0, result.stderr
    sheet = cv2.imread(str(tmp_path / "sheet.jpg"))
    assert sheet.shape[:2] == (2 * 32, 2 * 48)  # one row per video, frames 0 and 3
    assert abs(float(sheet[:32].mean()) - 40) < 8 and abs(float(sheet[32:].mean()) - 200) < 8


def test_missing_or_unreadable_videos_and_bad_flags_are_refused_without_a_traceback(tmp_path):
    (tmp_path / "junk.mp4").write_text("not a video")
    for args, message in (((str(tmp_path / "none.mp4"),), "no such video"),
                          ((str(tmp_path / "junk.mp4"),), "cannot read the videos"),
                          ((str(tmp_path / "junk.mp4"), "--every", "0"), "--every must be at least 1")):
        result = run_script(*args, str(tmp_path / "sheet.jpg"))
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
        assert not (tmp_path / "sheet.jpg").exists()
