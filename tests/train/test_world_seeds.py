"""Training views rendered from world seeds as they are drawn (``--worlds seeds:A-B``)."""

import json

import pytest
import torch

from infinite_nature.cli import main
from infinite_nature.data.layout import scan_collection
from infinite_nature.errors import UsageError
from infinite_nature.train.data import Sample, WorldSeed, load_sample, world_seeds


def test_a_rendered_seed_is_the_view_its_export_holds(tiny_worlds):
    """tiny_worlds: seeds 200-205 exported at 48x48 (the rendered size for --resolution 32)."""
    exported = {item.image.name: Sample(item, None) for item in scan_collection(tiny_worlds)}
    rendered = world_seeds("seeds:200-205", resolution=32)
    assert [view.seed for view in rendered] == list(range(200, 206)) and rendered[0].size == 48
    for view in rendered:
        sample = exported[f"world_{view.seed:07d}.jpg"]
        ours, theirs = load_sample(view), load_sample(sample)
        for key in ("disparity", "sky", "intrinsics", "rotation", "world_seed"):
            torch.testing.assert_close(ours[key], theirs[key], msg=key)
        assert (ours["rgb"] - theirs["rgb"]).abs().mean() < 0.02  # the export's JPEG
        assert view.held_out == sample.held_out


@pytest.mark.parametrize("spec", ["seeds:abc", "seeds:9-3", "seeds:7", "seeds:-1-3", "seeds:"])
def test_a_malformed_seed_range_is_a_usage_error(spec):
    with pytest.raises(UsageError, match="expected seeds:FIRST-LAST"):
        world_seeds(spec, resolution=32)


def test_a_range_too_long_to_list_is_a_usage_error():
    with pytest.raises(UsageError, match="1,000,001 worlds, more than the 1,000,000"):
        world_seeds("seeds:0-1000000", resolution=32)


def test_an_export_folder_is_not_a_seed_range(tiny_worlds):
    assert world_seeds(str(tiny_worlds), resolution=32) is None


def test_the_recipes_train_on_worlds_rendered_as_drawn(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "depth", "--worlds", "seeds:200-205", "--out", str(out), "--max-steps", "2", "--batch-size", "2",
            "--resolution", "32", "--no-progress", "--validate-every", "2"]
    assert main(args) == 0, capsys.readouterr().err
    record = json.loads((out / "export" / "depth_sky.json").read_text())["training"]
    assert record["data"] == "seeds:200-205" and "rendered as drawn" in record["data_kind"]
    assert record["steps"] == 2 and "val/abs_rel" in record["held_out_metrics"]
    assert not any(path.suffix == ".jpg" for path in tmp_path.rglob("*"))  # nothing exported to disk
    capsys.readouterr()
    refused = ["train", "refiner", "--mode", "trajectory", "--worlds", "seeds:200-205", "--out", str(tmp_path / "t"),
               "--no-progress"]
    assert main(refused) == 2
    assert "--mode trajectory needs the views along each path" in capsys.readouterr().err


def test_rendered_views_are_kept_for_the_next_draw():
    view = WorldSeed(201, 48)
    first = load_sample(view)
    assert load_sample(view)["rgb"] is first["rgb"]  # the second draw renders nothing


def test_a_world_without_a_camera_hands_its_place_to_another_seed(monkeypatch):
    from infinite_nature.errors import InfiniteNatureError
    from infinite_nature.world import World

    real = World.sample_camera

    def none_in_world_707(self, *args, **kwargs):
        if self.seed == 707:
            raise RuntimeError("no camera above the terrain")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(World, "sample_camera", none_in_world_707)
    assert int(load_sample(WorldSeed(707, 32))["world_seed"]) == 707 + 1_000_003  # the sky recipe's dome follows

    def none_anywhere(self, *args, **kwargs):
        raise RuntimeError("no camera above the terrain")

    monkeypatch.setattr(World, "sample_camera", none_anywhere)
    with pytest.raises(InfiniteNatureError, match="world 710: no camera found in it or in the 3 worlds that stand"):
        load_sample(WorldSeed(710, 32))
