"""The Python examples in README.md and docs/ run as written, and the files they point at exist (a stale example or a dead link is a bug a user meets first)."""

import re
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).parents[1]
DOCUMENTS = [ROOT / "README.md", *ROOT.glob("docs/**/*.md"), *ROOT.glob("infinite_nature/**/*.md"),
             *ROOT.glob("examples/**/*.md")]


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


def test_every_docs_path_named_in_the_code_and_the_docs_exists():
    """CLI help, docstrings and documents point users at docs/ files: a stale name is a dead end."""
    sources = [*ROOT.glob("infinite_nature/**/*.py"), *DOCUMENTS]
    named = {(path.relative_to(ROOT), match.group(0).rstrip("."))
             for path in sources
             for match in re.finditer(r"docs/[\w./-]+\.(?:md|jpg|png|json)", path.read_text(encoding="utf-8"))}
    assert len(named) > 20  # the scan found the references
    missing = sorted(f"{source}: {target}" for source, target in named if not (ROOT / target).exists())
    assert not missing, missing


def test_relative_links_in_the_documents_resolve():
    links = [(document, match.group(1)) for document in DOCUMENTS
             for match in re.finditer(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", document.read_text(encoding="utf-8"))
             if not match.group(1).startswith(("http://", "https://", "mailto:"))]
    assert len(links) > 10
    broken = sorted(f"{document.relative_to(ROOT)}: {target}" for document, target in links
                    if not (document.parent / target).exists())
    assert not broken, broken
