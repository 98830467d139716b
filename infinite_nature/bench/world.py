"""Procedural world benchmark: seconds per view at several sizes, cold and warm clipmap cache."""

from __future__ import annotations

import time

import torch
from tqdm import tqdm

from infinite_nature.bench.configs import WorldBenchConfig
from infinite_nature.world import World


def run_world_bench(config: WorldBenchConfig, progress: bool = False) -> list[dict[str, object]]:
    """Per size: median seconds per view with a cold cache (new world) and a warm one (same view again)."""
    rows: list[dict[str, object]] = []
    bar = tqdm(total=len(config.sizes) * len(config.seeds), desc="world views", unit="world", disable=not progress)
    for size in config.sizes:
        cold, warm = [], []
        for seed in config.seeds:
            camera = World(seed).sample_camera(size, size)
            world = World(seed)
            start = time.perf_counter()
            world.render(camera)
            cold.append(time.perf_counter() - start)
            start = time.perf_counter()
            world.render(camera)
            warm.append(time.perf_counter() - start)
            bar.update()
        rows.append(
            {
                "size": size,
                "views": len(config.seeds),
                "cold_s": float(torch.tensor(cold).median()),
                "warm_s": float(torch.tensor(warm).median()),
                "max_s": max(cold),
            }
        )
    bar.close()
    return rows


def format_world_table(rows: list[dict[str, object]]) -> str:
    lines = [f"{'size':>6} {'views':>6} {'cold s':>8} {'warm s':>8} {'max s':>8}"]
    for row in rows:
        lines.append(
            f"{row['size']:>6} {row['views']:>6} {row['cold_s']:>8.3f} {row['warm_s']:>8.3f} {row['max_s']:>8.3f}"
        )
    return "\n".join(lines)
