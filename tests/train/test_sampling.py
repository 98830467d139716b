"""Which views training batches draw: uniform by default, far terrain or a wide depth range
favoured on request."""

import numpy as np
import pytest
import torch
from PIL import Image

from infinite_nature.cli import main
from infinite_nature.train.data import StepBatches, load_sample, prepare_collection, view_draw_weights


def _median_depth(sample) -> float:
    loaded = load_sample(sample)
    return float(1.0 / loaded["disparity"][~loaded["sky"]].median())


def test_far_view_weights_rank_views_by_their_median_ground_depth(tiny_worlds):
    samples = prepare_collection(tiny_worlds, progress=False)
    weights = view_draw_weights(samples, far_power=1.0, progress=False)
    depths = [_median_depth(s) for s in samples]
    assert len(set(depths)) > 1  # the fixture's views differ in distance
    order = sorted(range(len(samples)), key=depths.__getitem__)
    assert [weights[i] for i in order] == sorted(weights)
    assert weights[order[-1]] > 1.0 > weights[order[0]]
    assert all(1 / 8 <= w <= 8 for w in weights)
    assert view_draw_weights(samples, progress=False) == [1.0] * len(samples)


def _depth_range(sample) -> float:
    loaded = load_sample(sample)
    ground = loaded["disparity"][~loaded["sky"]]
    return float(torch.quantile(ground, 0.95) / ground.median())


def test_depth_range_weights_rank_views_by_their_spread_of_ground_disparity(tiny_worlds):
    samples = prepare_collection(tiny_worlds, progress=False)
    weights = view_draw_weights(samples, range_power=1.0, progress=False)
    spreads = [_depth_range(s) for s in samples]
    assert len(set(spreads)) > 1
    order = sorted(range(len(samples)), key=spreads.__getitem__)
    assert [weights[i] for i in order] == sorted(weights)
    assert weights[order[-1]] > 1.0 > weights[order[0]]
    typical = float(np.median(spreads))
    assert weights[order[-1]] == pytest.approx(min(spreads[order[-1]] / typical, 8.0), rel=1e-4)


def test_both_draw_weights_multiply_and_stay_clipped(tiny_worlds):
    samples = prepare_collection(tiny_worlds, progress=False)
    far = view_draw_weights(samples, far_power=1.0, progress=False)
    spread = view_draw_weights(samples, range_power=1.0, progress=False)
    assert all(1 / 8 < w < 8 for w in far + spread)  # neither clipped alone, so the product is exact
    both = view_draw_weights(samples, far_power=1.0, range_power=1.0, progress=False)
    assert both == pytest.approx([min(max(f * r, 1 / 8), 8.0) for f, r in zip(far, spread)], rel=1e-6)
    strong = view_draw_weights(samples, range_power=40.0, progress=False)
    assert max(strong) == 8.0 and min(strong) == 1 / 8


def test_a_view_without_ground_gets_a_neutral_weight(tiny_worlds, tmp_path):
    for path in tiny_worlds.glob("world_*"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    sky_path = sorted(tmp_path.glob("*.sky.png"))[0]
    height, width = np.asarray(Image.open(sky_path)).shape[:2]
    Image.fromarray(np.full((height, width), 255, np.uint8)).save(sky_path)
    samples = prepare_collection(tmp_path, progress=False)
    weights = view_draw_weights(samples, far_power=1.0, range_power=1.0, progress=False)
    all_sky = [i for i, s in enumerate(samples) if s.item.sky == sky_path]
    assert len(all_sky) == 1 and weights[all_sky[0]] == 1.0
    others = [s for i, s in enumerate(samples) if i != all_sky[0]]
    assert [w for i, w in enumerate(weights) if i != all_sky[0]] == view_draw_weights(others, 1.0, 1.0, progress=False)


def test_weighted_batches_draw_by_weight_and_stay_reproducible(tiny_worlds):
    samples = prepare_collection(tiny_worlds, progress=False)
    favoured = 3
    weights = [1.0 if i == favoured else 0.0 for i in range(len(samples))]
    batches = StepBatches(samples, resolution=32, batch_size=8, seed=0, weights=weights)
    seed = int(load_sample(samples[favoured])["world_seed"])
    first = batches.batch(5)
    assert first["world_seed"].tolist() == [seed] * 8
    assert torch.equal(batches.batch(5)["rgb"], first["rgb"])
    uniform = StepBatches(samples, resolution=32, batch_size=8, seed=0)
    assert len(set(uniform.batch(5)["world_seed"].tolist())) > 1
    with pytest.raises(ValueError, match="2 sampling weights for 6 samples"):
        StepBatches(samples, resolution=32, batch_size=2, seed=0, weights=[1.0, 1.0])


def test_depth_recipe_trains_with_far_views_and_wide_depth_ranges_favoured(tiny_worlds, tmp_path, capsys):
    code = main(["train", "depth", "--worlds", str(tiny_worlds), "--out", str(tmp_path), "--fast-dev-run",
                 "--batch-size", "2", "--resolution", "32", "--far-view-weight", "1.5",
                 "--depth-range-weight", "1.0", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "export" / "depth_sky.safetensors").is_file()


def test_a_negative_far_view_weight_is_refused(tiny_worlds, tmp_path, capsys):
    code = main(["train", "depth", "--worlds", str(tiny_worlds), "--out", str(tmp_path), "--fast-dev-run",
                 "--far-view-weight", "-1", "--no-progress"])
    assert code != 0
    assert "--far-view-weight must be >= 0" in capsys.readouterr().err


def test_a_negative_depth_range_weight_is_refused(tiny_worlds, tmp_path, capsys):
    code = main(["train", "depth", "--worlds", str(tiny_worlds), "--out", str(tmp_path), "--fast-dev-run",
                 "--depth-range-weight", "-0.5", "--no-progress"])
    assert code != 0
    assert "--depth-range-weight must be >= 0" in capsys.readouterr().err
