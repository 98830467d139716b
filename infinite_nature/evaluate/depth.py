"""Depth + sky quality on held-out procedural worlds: AbsRel (after scale-and-shift alignment of
disparity, depth capped at the far plane) and sky IoU of the mask that flights use.

A few views of far terrain dominate the mean AbsRel, so the report also gives the median and
each view's value by world seed: which views fail is what the next training run needs.
"""

from __future__ import annotations

import statistics

import torch
from tqdm import tqdm

from infinite_nature.evaluate.short_range import HELD_OUT_SEEDS
from infinite_nature.evaluate.start_views import start_view
from infinite_nature.train.losses import absolute_relative_error, intersection_over_union


@torch.no_grad()
def evaluate_depth(network, seeds: tuple[int, ...] = HELD_OUT_SEEDS[:40], size: int = 128,
                   progress: bool = False) -> dict[str, object]:
    abs_rel, iou = {}, []
    for seed in tqdm(seeds, desc="depth + sky", unit="view", disable=not progress):
        view = start_view(seed, size)
        out = network.predict(view.rgb)  # the product's sky mask (open to the top of the frame)
        abs_rel[str(seed)] = float(absolute_relative_error(out.raw_disparity, view.disparity, ~view.sky))
        iou.append(float(intersection_over_union(out.sky, view.sky)))
    return {"abs_rel": statistics.fmean(abs_rel.values()), "abs_rel_median": statistics.median(abs_rel.values()),
            "abs_rel_by_seed": abs_rel, "sky_iou": statistics.fmean(iou), "views": len(seeds)}
