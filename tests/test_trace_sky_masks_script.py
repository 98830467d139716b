"""scripts/trace_sky_masks.py: hand-traced skylines become masks settled on the photo's edge."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "trace_sky_masks.py"


def test_a_skyline_traced_a_few_pixels_off_settles_on_the_edge(tmp_path):
    width, height = 160, 100
    columns = np.arange(width)
    edge = (40 + 8 * np.sin(columns / 13)).round().astype(int)  # a ridge
    rgb = np.empty((height, width, 3), np.uint8)
    rows = np.arange(height)[:, None]
    rgb[:] = (60, 130, 60)
    rgb[rows < edge[None, :]] = (110, 160, 235)
    Image.fromarray(rgb).save(tmp_path / "ridge.jpg", quality=95)
    traced = [[int(x), int(edge[x]) + (3 if x % 32 < 16 else -3)] for x in range(0, width, 12)] + [[width - 1, 42]]
    glare = [[70, 10], [90, 10], [90, 30], [70, 30]]
    outlines = tmp_path / "sky_outlines.json"
    outlines.write_text(json.dumps({"about": "test", "photos": {"ridge": {"skyline": traced, "not_judged": [glare]}}}))
    result = subprocess.run([sys.executable, str(SCRIPT), "--outlines", str(outlines), "--preview",
                             str(tmp_path / "sheet.png")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    mask = np.asarray(Image.open(tmp_path / "ridge.sky.png"))
    assert mask.shape == (height, width) and set(np.unique(mask)) == {0, 128, 255}
    assert (mask[10:31, 70:91] == 128).all()
    judged = mask != 128
    truth = np.where(rows < edge[None, :], 255, 0)
    assert np.mean(mask[judged] == truth[judged]) > 0.995  # the 3 px the tracing was off are gone
    assert Image.open(tmp_path / "sheet.png").size == (width, height)
