"""The Python examples in README.md and docs/ run as written (a stale example is a bug a user meets first)."""

import re
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).parents[1]


def python_block(document: str, after: str) -> str:
    """The first ```python block after the line ``after`` in ``document``."""
    text = (ROOT / document).read_text(encoding="utf-8")
    found = re.search(re.escape(after) + r".*?```python\n(.*?)```", text, re.S)
    assert found, f"no python block after {after!r} in {document}"
    return found.group(1)


def test_readme_renderer_example(monkeypatch):
    monkeypatch.chdir(ROOT)
    names: dict = {}
    exec(python_block("README.md", "## Using the renderer from Python"), names)
    result = names["result"]
    assert result.features.shape == (1, 3, 256, 256) and result.disparity.shape == (1, 1, 256, 256)
    assert result.valid.dtype == torch.bool and result.valid.float().mean() > 0.9  # a small move forward
    assert not torch.allclose(result.features, names["rgb"], atol=0.05)  # the view moved


def test_generate_doc_python_flight(monkeypatch):
    monkeypatch.chdir(ROOT)
    names: dict = {}
    exec(python_block("docs/generate.md", "## From Python"), names)
    frames = names["frames"]
    assert len(frames) == 60 and all(f.shape == frames[0].shape and f.dtype == np.uint8 for f in frames)
    assert frames[0].shape[1] == 256
    assert not np.array_equal(frames[0], frames[-1])  # the camera moved
