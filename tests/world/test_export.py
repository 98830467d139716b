"""World export: layout, resumability, and the round trip through the collection loader."""

import json

import numpy as np
import torch

from infinite_nature.data.layout import MANIFEST, scan_collection
from infinite_nature.data.reader import load_item
from infinite_nature.world import World
from infinite_nature.world.export import FORMAT_VERSION, export_worlds


def test_export_round_trips_through_the_loader(tmp_path):
    summary = export_worlds(tmp_path, count=3, height=40, width=56, start_seed=5, progress=False)
    assert (summary.written, summary.skipped_existing, summary.failed) == (3, 0, 0)
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert manifest["format_version"] == FORMAT_VERSION and manifest["seeds"] == [5, 7]
    items = scan_collection(tmp_path)
    assert [item.stem for item in items] == ["world_0000005", "world_0000006", "world_0000007"]
    for item in items:
        assert item.depth and item.sky and item.camera
        loaded = load_item(item)
        assert loaded.rgb.shape == (1, 3, 40, 56)
        assert torch.equal(loaded.sky, torch.isinf(loaded.depth))
        assert loaded.camera.height == 40 and loaded.camera.width == 56
        # the exported camera re-renders the exported depth exactly
        seed = loaded.metadata["world_seed"]
        again = World(seed).render(loaded.camera)
        assert torch.equal(again.depth, loaded.depth)
        jpeg_error = (again.rgb - loaded.rgb).abs().mean().item()
        assert jpeg_error < 0.02


def test_export_is_resumable_and_redoes_partial_items(tmp_path):
    export_worlds(tmp_path, count=2, height=32, width=32, progress=False)
    camera_file = tmp_path / "world_0000001.camera.json"
    before = (tmp_path / "world_0000000.jpg").stat().st_mtime_ns
    camera_file.unlink()  # as if interrupted before the last file of item 1
    summary = export_worlds(tmp_path, count=3, height=32, width=32, progress=False)
    assert (summary.written, summary.skipped_existing) == (2, 1)
    assert camera_file.exists()
    assert (tmp_path / "world_0000000.jpg").stat().st_mtime_ns == before
    assert not list(tmp_path.glob(".*partial*"))
    assert len(scan_collection(tmp_path)) == 3
    np.load(tmp_path / "world_0000002.depth.npy", allow_pickle=False)


def test_path_steps_are_the_true_views_along_the_world_path(tmp_path):
    summary = export_worlds(tmp_path, count=1, height=32, width=40, start_seed=11, progress=False, path_steps=2,
                            step_length=4.0)
    assert summary.written == 1
    stems = [item.stem for item in scan_collection(tmp_path)]
    assert stems == ["world_0000011", "world_0000011_step01", "world_0000011_step02"]
    world = World(11)
    start = load_item(scan_collection(tmp_path)[0]).camera
    path = world.trajectory(start, 2, step_length=4.0)
    for k, item in enumerate(scan_collection(tmp_path)[1:], start=1):
        loaded = load_item(item)
        assert loaded.metadata["path_step"] == k and loaded.metadata["world_seed"] == 11
        assert torch.allclose(loaded.camera.pose, path[k].pose)
        assert torch.equal(world.render(path[k]).depth, loaded.depth)
    again = export_worlds(tmp_path, count=1, height=32, width=40, start_seed=11, progress=False, path_steps=2,
                          step_length=4.0)
    assert (again.written, again.skipped_existing) == (0, 1)
    (tmp_path / "world_0000011_step02.jpg").unlink()  # a missing path view redoes the seed
    assert export_worlds(tmp_path, count=1, height=32, width=40, start_seed=11, progress=False, path_steps=2,
                         step_length=4.0).written == 1


def test_workers_write_the_same_files_as_one_process(tmp_path):
    single = export_worlds(tmp_path / "one", count=3, height=32, width=40, start_seed=21, progress=False, path_steps=1)
    parallel = export_worlds(tmp_path / "two", count=3, height=32, width=40, start_seed=21, progress=False, path_steps=1,
                             workers=2)
    assert (single.written, parallel.written) == (3, 3)
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "two").iterdir()) and len(names) == 1 + 3 * 2 * 4
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    again = export_worlds(tmp_path / "two", count=4, height=32, width=40, start_seed=21, progress=False, path_steps=1,
                          workers=2)
    assert (again.written, again.skipped_existing) == (1, 3)
